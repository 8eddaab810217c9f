/**
 * The playground (playground/, built by scripts/build-playground.mjs) in headless Chromium:
 * served by a local static server, a bundled example pasted in, the diff, findings and explain
 * picture computed in the page, equal to what the API computes; the shared link restores the
 * input; no request leaves the local server. Screenshot in test-output/playground.png.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ROOT } from './helpers/cli.js';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON, launchBrowser, screenshotPath } from './helpers/browser.js';
import { fix, explain } from '../src/index.js';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

describe.skipIf(!HAS_CHROMIUM)(`playground in headless Chromium (${HAS_CHROMIUM ? 'Debian chromium' : NO_CHROMIUM_REASON})`, () => {
  let browser: Browser;
  let server: http.Server;
  let base: string;
  const served: string[] = [];

  beforeAll(async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-playground-'));
    const { buildPlayground } = (await import(path.join(ROOT, 'scripts/build-playground.mjs'))) as { buildPlayground: (o: string) => Promise<{ out: string }> };
    await buildPlayground(out);
    server = http.createServer((req, res) => {
      const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
      served.push(rel);
      const file = path.join(out, rel);
      if (!file.startsWith(out) || !fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('paste a Dockerfile and its context listing: the diff, findings and explain picture appear, as the API computes them', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base);
    await page.waitForSelector('body[data-ready="true"]');
    const dockerfile = fs.readFileSync(path.join(ROOT, 'examples/node-app/Dockerfile'), 'utf8');
    const listing = ['.dockerignore', 'package.json', 'package-lock.json', 'src/server.js', 'src/db.js', 'src/routes.js'];
    const ignore = fs.readFileSync(path.join(ROOT, 'examples/node-app/.dockerignore'), 'utf8');
    await page.fill('#files', listing.join('\n'));
    await page.fill('#dockerignore', ignore);
    const manifests = ['package.json', 'package-lock.json'].map((p) => `==> ${p} <==\n${fs.readFileSync(path.join(ROOT, 'examples/node-app', p), 'utf8')}`).join('');
    await page.fill('#contents', manifests);
    await page.fill('#dockerfile', dockerfile);
    await page.waitForFunction(() => document.querySelector('#diff')?.textContent?.includes('+COPY package.json package-lock.json ./'));
    const shown = await page.evaluate(() => ({
      diff: document.querySelector('#diff')!.textContent!,
      findings: [...document.querySelectorAll('#findings li')].map((li) => li.textContent),
      headline: document.querySelector('#explain-headline')!.textContent,
      svgSteps: document.querySelectorAll('#explain-picture svg g.step').length,
      mermaid: document.querySelector('#mermaid')!.textContent!,
      formatted: document.querySelector('#formatted')!.textContent!,
    }));
    const context = Object.fromEntries(listing.map((p) => [p, p === '.dockerignore' ? ignore : p.startsWith('package') ? fs.readFileSync(path.join(ROOT, 'examples/node-app', p), 'utf8') : '']));
    const api = await fix(dockerfile, { context });
    // The page shows the diff with its reasons (and transform names on the hunk headers); the
    // API's diff has none: compare the diff part.
    expect(shown.diff.slice(shown.diff.indexOf('--- a/Dockerfile')).replace(/^(@@ [^@]+ @@).*$/gm, '$1')).toBe(api.diff);
    expect(shown.diff).toContain('# line 6 [split-copy] copy package.json and package-lock.json before');
    expect(shown.findings.length).toBe(api.findings.length);
    expect(shown.findings.join('\n')).toContain('split-copy');
    const view = await explain(dockerfile, { context });
    expect(shown.headline).toBe(view.headline);
    expect(shown.headline).toBe('A source edit re-runs 1 of 4 build steps instead of 2 of 3');
    expect(shown.svgSteps).toBeGreaterThan(10);
    expect(shown.mermaid).toMatch(/^flowchart LR\n/);
    expect(shown.formatted).toContain('RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev');
    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith(base))).toBe(true);
    await page.screenshot({ path: screenshotPath('playground.png'), fullPage: true });
    console.log(`playground screenshot: ${screenshotPath('playground.png')}`);

    // The link restores the input, transform toggles and --unsafe included.
    await page.click('details:has(#transforms) > summary');
    await page.click('#t-syntax-directive');
    await page.waitForFunction(() => !document.querySelector('#diff')?.textContent?.includes('# syntax='));
    const link = page.url();
    expect(link).toMatch(/#.+/);
    const again = await browser.newPage();
    await again.goto(link);
    await again.waitForSelector('body[data-ready="true"]');
    expect(await again.inputValue('#dockerfile')).toBe(dockerfile);
    expect(await again.isChecked('#t-syntax-directive')).toBe(false);
    expect(await again.textContent('#diff')).toBe(await page.textContent('#diff'));
    await again.close();
    await page.close();
  }, 120_000);

  it('without a context only the context-free rewrites run; bad input shows path:line:col', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.waitForSelector('body[data-ready="true"]');
    await page.selectOption('#example', 'python-app');
    await page.uncheck('#use-context');
    await page.waitForFunction(() => !document.querySelector('#diff')?.textContent?.includes('COPY requirements.txt'));
    const text = await page.inputValue('#dockerfile');
    expect(await page.textContent('#diff')).toContain((await fix(text)).diff.split('\n').slice(2).join('\n').trim().split('\n')[0]);
    await page.fill('#dockerfile', 'FROM alpine\nRUN <<EOF\necho never closed\n');
    await page.waitForFunction(() => document.querySelector('#status')?.className === 'error');
    expect(await page.textContent('#status')).toMatch(/^Dockerfile:\d+:\d+: /);
    await page.close();
  }, 60_000);
});
