/**
 * `dockerfix lsp` with a real client: Neovim (Debian's 0.7, installed by .ci/setup.d/neovim.sh)
 * headless opens an example Dockerfile, waits for the diagnostics, applies the first code action
 * at the apt line (vim.lsp.buf.code_action: Neovim resolves it with codeAction/resolve) and writes
 * the file. The file must then be exactly what `dockerfix --write` makes of the same file.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'dist/bin/dockerfix.js');
const SCRIPT = path.join(ROOT, 'test/nvim/apply-first-action.lua');

const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const nvimVersion = nvim.status === 0 ? nvim.stdout.split('\n')[0] : undefined;
const hasStartClient = nvimVersion !== undefined && !/^NVIM v0\.[0-6]\./.test(nvimVersion);
if (!nvimVersion) console.warn('SKIP lsp-neovim: `nvim` is not installed (apt-get install -y neovim, or .ci/setup.d/neovim.sh)');
else if (!hasStartClient) console.warn(`SKIP lsp-neovim: ${nvimVersion} is older than 0.7 (no vim.lsp.start_client with these handlers)`);

describe.skipIf(!hasStartClient)('dockerfix lsp in Neovim (headless, real client)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-nvim-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it(`applies the first code action and writes the file: equal to dockerfix --write (${nvimVersion})`, () => {
    const editor = path.join(tmp, 'editor');
    const cli = path.join(tmp, 'cli');
    fs.cpSync(path.join(ROOT, 'examples/apt-app'), editor, { recursive: true });
    fs.cpSync(path.join(ROOT, 'examples/apt-app'), cli, { recursive: true });
    const original = fs.readFileSync(path.join(editor, 'Dockerfile'), 'utf8');
    const aptLine = original.split('\n').findIndex((l) => /^RUN .*apt-get/.test(l)) + 1;
    expect(aptLine).toBeGreaterThan(0);

    const r = spawnSync('nvim', ['--headless', '--clean', '-n', '-c', `luafile ${SCRIPT}`, 'Dockerfile'], {
      cwd: editor,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, DOCKERFIX_CMD: JSON.stringify([process.execPath, BIN, 'lsp', '--stdio']), DOCKERFIX_LINE: String(aptLine) },
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/applying: dockerfix: adds cache mounts at \/var\/cache\/apt/);
    // Neovim declares codeAction resolveSupport (`edit`): the action comes without its edit and
    // Neovim resolves it (codeAction/resolve) before applying it.
    expect(r.stdout).toContain('edit: resolved (codeAction/resolve)');

    const w = spawnSync(process.execPath, [BIN, '--write', '-q', '--no-color', path.join(cli, 'Dockerfile')], { encoding: 'utf8' });
    expect(w.status, w.stderr).toBe(0);
    const expected = fs.readFileSync(path.join(cli, 'Dockerfile'), 'utf8');
    expect(expected).not.toBe(original);
    expect(fs.readFileSync(path.join(editor, 'Dockerfile'), 'utf8')).toBe(expected);
  }, 90_000);
});
