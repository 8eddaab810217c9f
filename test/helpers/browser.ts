/**
 * Headless Chromium for the browser tests: Debian's `chromium` (/usr/bin/chromium, installed by
 * .ci/setup.d/chromium.sh) driven by playwright-core, with the flags that keep it off the network.
 * `CHROMIUM_PATH` overrides the path. When no browser is there the tests skip and say why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from './cli.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
export const NO_CHROMIUM_REASON = `skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, see .ci/setup.d/chromium.sh, or set CHROMIUM_PATH)`;

if (!HAS_CHROMIUM) console.warn(`browser tests ${NO_CHROMIUM_REASON}`);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Where the browser tests put their screenshots: test-output/ (kept out of git); with
 * UPDATE_SCREENSHOTS=1, docs/img/ (the pictures the README shows).
 */
export function screenshotPath(name: string): string {
  const dir = path.join(ROOT, process.env.UPDATE_SCREENSHOTS ? 'docs/img' : 'test-output');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
