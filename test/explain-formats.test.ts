/**
 * `dockerfix explain --format markdown|mermaid|html|json`: golden files for the bundled examples
 * (UPDATE_GOLDEN=1 rewrites them), the headline and step pairing, and in headless Chromium: the
 * Mermaid text rendered by the real `mermaid` package, and the HTML file opened with no network
 * (its inline SVG checked and screenshotted to test-output/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON, launchBrowser, screenshotPath } from './helpers/browser.js';
import { MemoryContext } from '../src/core/context.js';
import { loadTransforms } from '../transforms/index.js';
import { explainText, explainView, pairSteps } from '../src/explain/model.js';
import { renderMermaid, mermaidText } from '../src/explain/render-mermaid.js';
import type { StepInfo } from '../src/explain/analyze.js';

const EXAMPLES = path.join(ROOT, 'examples');
const GOLDEN = path.join(ROOT, 'test/explain-golden');
const examples = fs.readdirSync(EXAMPLES).filter((e) => fs.existsSync(path.join(EXAMPLES, e, 'Dockerfile'))).sort();

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN) {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, actual);
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

const explain = (ex: string, format: string): string => {
  const r = runCli(['explain', `${ex}/Dockerfile`, '--format', format], EXAMPLES);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
};

describe('explain formats on the bundled examples', () => {
  for (const ex of examples) {
    it(`examples/${ex}: markdown (with the Mermaid picture) and json`, () => {
      const md = explain(ex, 'markdown');
      golden(`${ex}.md`, md);
      const json = JSON.parse(explain(ex, 'json'));
      golden(`${ex}.json`, JSON.stringify(json, null, 2) + '\n');
      // The headline's numbers are the analysis's.
      const after = json.after ?? json.before;
      expect(json.headline).toContain(`re-runs ${after.rerun.length} of ${after.buildSteps} build step`);
      if (json.after) expect(json.headline).toMatch(new RegExp(`instead of ${json.before.rerun.length} of ${json.before.buildSteps}$`));
      expect(md).toContain(`**${json.headline}**`);
      // The mermaid block of the markdown is the --format mermaid output.
      const mermaid = explain(ex, 'mermaid');
      expect(md).toContain('```mermaid\n' + mermaid);
      // Every step of every stage is a node, before and after.
      const steps = (c: { stages: Array<{ steps: unknown[] }> } | null): number => (c ? c.stages.reduce((n, s) => n + s.steps.length, 0) : 0);
      expect(mermaid.match(/^ {6}[ab]\d+_\d+\["/gm)!.length).toBe(steps(json.before) + steps(json.after));
    });
  }

  it('python-app: the headline a reviewer reads', () => {
    expect(JSON.parse(explain('python-app', 'json')).headline).toBe('A source edit re-runs 1 of 4 build steps instead of 2 of 3');
  });

  it('--json keeps the analysis-only document; --json with another --format is an error', () => {
    const dir = tempDir({ Dockerfile: 'FROM alpine\nCOPY . .\n', 'a.txt': 'x' });
    const j = JSON.parse(runCli(['explain', 'Dockerfile', '--json'], dir).stdout);
    expect(j.headline).toBeUndefined();
    expect(j.before.rerun).toHaveLength(1);
    const bad = runCli(['explain', 'Dockerfile', '--json', '--format', 'html'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--json and --format cannot be used together');
    const o = runCli(['explain', 'Dockerfile', '--format', 'html', '-o', 'out/x.html'], dir);
    expect([o.code, o.stdout]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(dir, 'out/x.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });
});

describe('explain model', () => {
  const st = (line: number, keyword: string, summary: string): StepInfo => ({ line, keyword, summary: `${keyword} ${summary}`, kind: 'build', key: [], status: 'cached' });
  it('pairs kept, moved, changed, added and removed steps', () => {
    const a = [st(1, 'FROM', 'x'), st(2, 'COPY', '. .'), st(3, 'RUN', 'pip install --no-cache-dir -r r.txt'), st(4, 'RUN', 'rm -rf /tmp/x'), st(5, 'CMD', 'y')];
    const b = [st(2, 'FROM', 'x'), st(3, 'COPY', 'r.txt ./'), st(4, 'RUN', '--mount=type=cache,target=/c pip install -r r.txt'), st(5, 'COPY', '. .'), st(6, 'CMD', 'y')];
    const pairs = pairSteps(a, b);
    expect(pairs.map((p) => [p.before?.line ?? null, p.after && p.mark !== 'removed' ? p.after.line : null, p.mark, p.changed ?? false])).toEqual([
      [1, 2, 'same', false],
      [null, 3, 'added', false],
      [3, 4, 'moved', true],
      [2, 5, 'same', false],
      [4, null, 'removed', false],
      [5, 6, 'same', false],
    ]);
  });

  it('explainText runs in memory (no file system) and says when nothing changes', async () => {
    const transforms = await loadTransforms();
    const ctx = new MemoryContext({ 'requirements.txt': 'flask\n', 'app.py': '' });
    const v = explainView(explainText('FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n', { transforms, buildContext: ctx }));
    expect(v.headline).toBe('A source edit re-runs 1 of 4 build steps instead of 2 of 3');
    const same = explainView(explainText('FROM alpine\nRUN echo hi\n', { transforms, buildContext: ctx }));
    expect(same.headline).toBe('A source edit re-runs 0 of 1 build step (dockerfix leaves this file as it is)');
    expect(renderMermaid(same)).not.toContain('subgraph a[');
  });

  it('escapes what Mermaid would parse in labels', () => {
    expect(mermaidText('RUN echo "a<b>" `x` && y')).toBe('RUN echo #quot;a#lt;b#gt;#quot; #96;x#96; #amp;#amp; y');
  });
});

describe.skipIf(!HAS_CHROMIUM)(`explain in headless Chromium (${HAS_CHROMIUM ? 'Debian chromium' : NO_CHROMIUM_REASON})`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('the real mermaid package renders every example\'s flowchart with every step as a node', async () => {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><body></body>');
    await page.addScriptTag({ path: path.join(ROOT, 'node_modules/mermaid/dist/mermaid.min.js') });
    await page.evaluate(() => (globalThis as unknown as { mermaid: { initialize(o: object): void } }).mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
    for (const ex of ['node-app', 'multi-target', 'go-app', 'python-app']) {
      const text = explain(ex, 'mermaid');
      const res = await page.evaluate(async (t) => {
        const m = (globalThis as unknown as { mermaid: { render(id: string, t: string): Promise<{ svg: string }> } }).mermaid;
        try {
          const { svg } = await m.render('g' + Math.random().toString(36).slice(2), t);
          const div = document.createElement('div');
          div.innerHTML = svg;
          document.body.appendChild(div);
          const nodes = [...div.querySelectorAll('g.node')];
          return { ok: true, nodes: nodes.length, rerun: nodes.filter((n) => n.classList.contains('rerun')).length, labels: nodes.map((n) => n.textContent ?? '') };
        } catch (e) {
          return { ok: false, error: String(e), nodes: 0, rerun: 0, labels: [] as string[] };
        }
      }, text);
      expect(res.ok, `${ex}: ${'error' in res ? res.error : ''}`).toBe(true);
      expect(res.nodes).toBe(text.match(/^ {6}[ab]\d+_\d+\["/gm)!.length);
      expect(res.rerun).toBe(text.match(/^ {6}([ab]\d+_\d+)\[/gm)!.filter((l) => new RegExp(`class [^\\n]*\\b${l.trim().split('[')[0]}\\b[^\\n]* rerun$`, 'm').test(text)).length);
      expect(res.labels.some((l) => /re-runs/.test(l))).toBe(true);
    }
    await page.close();
  }, 120_000);

  it('the html file renders offline: inline SVG with one box per step, re-run steps red', async () => {
    const dir = tempDir({});
    const file = path.join(dir, 'explain.html');
    const r = runCli(['explain', 'node-app/Dockerfile', '--format', 'html', '-o', file], EXAMPLES);
    expect(r.code).toBe(0);
    const json = JSON.parse(explain('node-app', 'json'));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    page.on('request', (q) => requests.push(q.url()));
    await page.goto('file://' + file);
    expect(requests).toEqual(['file://' + file]);
    const info = await page.evaluate(() => ({
      headline: document.querySelector('h2.headline')?.textContent,
      steps: document.querySelectorAll('svg.dockerfix-explain g.step').length,
      rerun: [...document.querySelectorAll('svg.dockerfix-explain g.step.rerun')].map((g) => Number(g.getAttribute('data-line'))),
      marked: [...document.querySelectorAll('svg.dockerfix-explain g.step.marked')].map((g) => g.getAttribute('data-mark')),
      width: (document.querySelector('svg.dockerfix-explain') as SVGSVGElement).getBoundingClientRect().width,
    }));
    expect(info.headline).toBe(json.headline);
    const count = (c: { stages: Array<{ steps: Array<{ status: string; line: number }> }> }): number => c.stages.reduce((n, s) => n + s.steps.length, 0);
    expect(info.steps).toBe(count(json.before) + count(json.after));
    const reruns = (c: { stages: Array<{ steps: Array<{ status: string; line: number }> }> }): number[] => c.stages.flatMap((s) => s.steps.filter((x) => x.status === 'rerun').map((x) => x.line));
    expect(info.rerun).toEqual([...reruns(json.before), ...reruns(json.after)]);
    expect(info.marked.sort()).toEqual(['added', 'moved']);
    expect(info.width).toBeGreaterThan(1000);
    await page.screenshot({ path: screenshotPath('explain-node-app.png'), fullPage: true });
    console.log(`explain screenshot: ${screenshotPath('explain-node-app.png')}`);
    await page.close();
  }, 60_000);
});

describe('explain from the API', () => {
  it('explain(text, { context }) returns the view the renderers draw', async () => {
    const api = await import('../src/index.js');
    const v = await api.explain('FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt\n', { context: { 'requirements.txt': 'x', 'a.py': '' } });
    expect(v.headline).toBe('A source edit re-runs 1 of 3 build steps instead of 2 of 2');
    expect(api.renderMermaid(v)).toMatch(/^flowchart LR\n/);
    expect(api.renderHtml(v)).toContain('<svg');
    const arg = await api.explain('FROM alpine\nARG V\nRUN echo $V\n', { change: { kind: 'arg', name: 'V' }, syntax: 'none' });
    expect(arg.headline).toBe('A new value of build arg V re-runs 1 of 1 build step (dockerfix leaves this file as it is)');
  });
});

describe('explain markdown on a huge file', () => {
  it('leaves the picture out past what GitHub renders, and says so', async () => {
    const api = await import('../src/index.js');
    const text = 'FROM alpine\n' + Array.from({ length: 400 }, (_, i) => `RUN echo step number ${i} with some words to make it long\n`).join('');
    const v = await api.explain(text, { syntax: 'none' });
    const md = api.renderMarkdown(v);
    expect(api.renderMermaid(v).length).toBeGreaterThan(45_000);
    expect(md).not.toContain('```mermaid');
    expect(md).toMatch(/_The picture is left out: [\d,]+ characters of Mermaid, more than GitHub renders \(45,000\)/);
  });
});
