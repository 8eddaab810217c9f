/**
 * `dockerfix lsp` at the protocol level: the real server process (dist/bin/dockerfix.js lsp)
 * spawned and driven by vscode-jsonrpc as the client.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'dist/bin/dockerfix.js');

interface Pos { line: number; character: number }
interface Range { start: Pos; end: Pos }
interface TextEdit { range: Range; newText: string }
interface Diagnostic { range: Range; severity: number; code?: string; source?: string; message: string; codeDescription?: { href: string }; data?: unknown }
interface CodeAction { title: string; kind?: string; edit?: { changes: Record<string, TextEdit[]> }; diagnostics?: Diagnostic[]; isPreferred?: boolean; data?: unknown }

/** What VS Code (and Neovim 0.7) declare: code actions are resolved, their edit computed then. */
const RESOLVE_EDIT = { codeAction: { dataSupport: true, resolveSupport: { properties: ['edit'] }, codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'source', 'source.fixAll'] } } } };

function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', 'dockerfile', 0, text), edits);
}

function writeWithCli(dir: string, name = 'Dockerfile', extra: string[] = []): string {
  const r = spawnSync(process.execPath, [BIN, '--write', '--no-color', '-q', ...extra, path.join(dir, name)], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

function copyDir(src: string, dst: string): void {
  fs.cpSync(src, dst, { recursive: true });
}

class Client {
  readonly proc: ChildProcess;
  readonly conn: MessageConnection;
  readonly diagnostics = new Map<string, { version?: number; diagnostics: Diagnostic[] }[]>();
  private waiters: (() => void)[] = [];
  exitCode: Promise<number | null>;

  constructor(args: string[] = ['lsp', '--stdio']) {
    this.proc = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exitCode = new Promise((resolve) => this.proc.on('exit', (c) => resolve(c)));
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: Diagnostic[] }) => {
      const list = this.diagnostics.get(p.uri) ?? [];
      list.push(p);
      this.diagnostics.set(p.uri, list);
      for (const w of this.waiters.splice(0)) w();
    });
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.listen();
  }

  /** The next diagnostics for `uri` (with `version` when given), after `count` already seen. */
  async waitDiagnostics(uri: string, pred: (p: { version?: number; diagnostics: Diagnostic[] }) => boolean, timeoutMs = 15000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (this.diagnostics.get(uri) ?? []).findLast(pred);
      if (found) return found.diagnostics;
      if (Date.now() > deadline) throw new Error(`no diagnostics for ${uri}: ${JSON.stringify(this.diagnostics.get(uri))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** `textDocument`: the client's text document capabilities (codeAction resolve support, …). */
  async initialize(rootDir: string, initializationOptions: object = {}, textDocument?: object): Promise<{ capabilities: Record<string, unknown> }> {
    const r = await this.conn.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(rootDir).href,
      capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } }, ...(textDocument ? { textDocument } : {}) },
      initializationOptions,
    });
    await this.conn.sendNotification('initialized', {});
    return r;
  }

  async close(): Promise<number | null> {
    await this.conn.sendRequest('shutdown');
    await this.conn.sendNotification('exit');
    const code = await this.exitCode;
    this.conn.dispose();
    return code;
  }
}

describe('dockerfix lsp (protocol, real server process)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-lsp-'));
    expect(fs.existsSync(BIN), 'dist/bin/dockerfix.js is built by `npm test` (pretest)').toBe(true);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('publishes diagnostics, offers code actions whose edits equal dockerfix --write, and reacts to incremental edits and manifest changes', async () => {
    const dir = path.join(tmp, 'python-app');
    copyDir(path.join(ROOT, 'examples/python-app'), dir);
    const cliDir = path.join(tmp, 'python-app-cli');
    copyDir(path.join(ROOT, 'examples/python-app'), cliDir);
    const expected = writeWithCli(cliDir);

    const file = path.join(dir, 'Dockerfile');
    const uri = pathToFileURL(file).href;
    const text = fs.readFileSync(file, 'utf8');
    const c = new Client();
    const init = await c.initialize(dir);
    expect(init.capabilities.textDocumentSync).toMatchObject({ openClose: true, change: 2 });
    expect(init.capabilities.codeActionProvider).toBeTruthy();
    // No formatting provider unless asked (the Docker extension formats already).
    expect(init.capabilities.documentFormattingProvider).toBeUndefined();

    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
    const diags = await c.waitDiagnostics(uri, (p) => p.version === 1);
    const codes = diags.map((d) => d.code).sort();
    expect(codes).toEqual(['pip-cache-mount', 'split-copy', 'syntax-directive']);
    for (const d of diags) {
      expect(d.source).toBe('dockerfix');
      expect(d.severity).toBe(3); // Information
      expect(d.message.length).toBeGreaterThan(20);
    }
    const pip = diags.find((d) => d.code === 'pip-cache-mount')!;
    expect(pip.range.start.line).toBe(7);
    expect(pip.message).toMatch(/cache mount at \/root\/\.cache\/pip/);
    expect(pip.codeDescription?.href).toMatch(/^file:\/\/.*docs\/cache-mounts\.md#pip-cache-mount$/);

    // Code actions on the pip line: the quick fix for it, then the source actions.
    const actions = await c.conn.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: pip.range,
      context: { diagnostics: [pip] },
    });
    expect(actions.map((a) => a.kind)).toEqual(['quickfix', 'source.fixAll.dockerfix']);
    expect(actions[0].title).toMatch(/^dockerfix: adds a cache mount at \/root\/\.cache\/pip/);
    const quick = applyEdits(text, actions[0].edit!.changes[uri]);
    expect(quick).toContain('RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt');
    expect(quick).not.toContain('COPY requirements.txt'); // only this fix (and the directive it needs)
    expect(quick.startsWith('# syntax=docker/dockerfile:1\n')).toBe(true);
    // "Fix all safe" is exactly what dockerfix --write does to the file.
    const fixAll = actions.find((a) => a.kind === 'source.fixAll.dockerfix')!;
    const fixed = applyEdits(text, fixAll.edit!.changes[uri]);
    expect(fixed).toBe(expected);

    // Only source actions when asked for them.
    const onlySource = await c.conn.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'] },
    });
    expect(onlySource.map((a) => a.kind)).toEqual(['source.fixAll.dockerfix']);

    // The client applies the edit (incremental didChange): no changes left, no diagnostics.
    const changes = [...fixAll.edit!.changes[uri]].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: changes.map((e) => ({ range: e.range, text: e.newText })) });
    expect(await c.waitDiagnostics(uri, (p) => p.version === 2)).toEqual([]);

    // An incremental edit that brings back --no-cache-dir: the pip diagnostic is back.
    const lines = fixed.split('\n');
    const runLine = lines.findIndex((l) => l.startsWith('RUN --mount'));
    const col = lines[runLine].indexOf('pip install') + 'pip install'.length;
    await c.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: { start: { line: runLine, character: col }, end: { line: runLine, character: col } }, text: ' --no-cache-dir' }],
    });
    const after = await c.waitDiagnostics(uri, (p) => p.version === 3);
    expect(after.map((d) => d.code)).toEqual(['pip-cache-mount']);
    expect(after[0].range.start.line).toBe(runLine);
    expect(after[0].message).toMatch(/removes --no-cache-dir/);

    // A manifest change on disk: split-copy depends on requirements.txt being in the context.
    // Go back to the original text (requirements.txt present: split-copy is offered) …
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 4 }, contentChanges: [{ text }] });
    expect((await c.waitDiagnostics(uri, (p) => p.version === 4)).map((d) => d.code).sort()).toEqual(['pip-cache-mount', 'split-copy', 'syntax-directive']);
    // … then remove requirements.txt and tell the server: the split is no longer proposed.
    fs.rmSync(path.join(dir, 'requirements.txt'));
    const seen = c.diagnostics.get(uri)!.length;
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'requirements.txt')).href, type: 3 }] });
    const gone = await c.waitDiagnostics(uri, (p) => c.diagnostics.get(uri)!.indexOf(p) >= seen);
    const split = gone.find((d) => d.code === 'split-copy')!;
    // Now a skipped step with its reason, as a hint, and nothing to apply for it.
    expect(split.severity).toBe(4);
    expect(split.message).toMatch(/did not split this copy .*requirements\.txt is not in the build context/);
    const noSplit = await c.conn.sendRequest<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: split.range, context: { diagnostics: [split] } });
    expect(noSplit.map((a) => a.kind)).toEqual(['source.fixAll.dockerfix']);
    expect(applyEdits(text, noSplit[0].edit!.changes[uri])).not.toContain('COPY requirements.txt');

    expect(await c.close()).toBe(0);
  }, 60_000);

  it('formats with the formatter only when asked, and leaves non-Dockerfiles alone', async () => {
    const dir = path.join(tmp, 'fmt');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'Dockerfile');
    const text = 'from alpine:3.20\nrun   echo hi &&\\\n  echo there\n';
    fs.writeFileSync(file, text);
    const fmt = spawnSync(process.execPath, [BIN, 'fmt', '--stdin'], { input: text, encoding: 'utf8' });
    expect(fmt.status, fmt.stderr).toBe(0);
    expect(fmt.stdout).not.toBe(text);

    const c = new Client();
    const init = await c.initialize(dir, { formatting: true });
    expect(init.capabilities.documentFormattingProvider).toBe(true);
    const uri = pathToFileURL(file).href;
    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
    const edits = await c.conn.sendRequest<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(applyEdits(text, edits)).toBe(fmt.stdout);

    // A file that is not a Dockerfile by name gets no diagnostics at all.
    const other = pathToFileURL(path.join(dir, 'notes.txt')).href;
    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: other, languageId: 'plaintext', version: 1, text: 'RUN pip install --no-cache-dir x\n' } });
    await c.waitDiagnostics(uri, (p) => p.version === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(c.diagnostics.get(other)).toBeUndefined();
    expect(await c.close()).toBe(0);
  }, 60_000);

  it('reads the configuration as the CLI does: .editorconfig layout for formatting, exclude and .dockerfixignore honoured, a later exclusion clears diagnostics', async () => {
    const dir = path.join(tmp, 'config-as-cli');
    fs.mkdirSync(path.join(dir, 'gen'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'app'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.editorconfig'), 'root = true\n[*]\nindent_style = space\nindent_size = 2\n');
    fs.writeFileSync(path.join(dir, 'dockerfix.config.json'), JSON.stringify({ exclude: ['gen/**'] }));
    const pip = 'FROM python:3.12-slim\nRUN pip install flask &&\\\n    echo done\n';
    for (const d of ['gen', 'app']) fs.writeFileSync(path.join(dir, d, 'Dockerfile'), pip);
    const fmt = spawnSync(process.execPath, [BIN, 'fmt', '--stdin-filepath', 'app/Dockerfile'], { cwd: dir, input: pip, encoding: 'utf8' });
    expect(fmt.status, fmt.stderr).toBe(0);
    expect(fmt.stdout).toContain('\n  echo done');
    expect(spawnSync(process.execPath, [BIN, '--check', '.'], { cwd: dir, encoding: 'utf8' }).stdout).toBe('app/Dockerfile\n');

    const c = new Client();
    await c.initialize(dir, { formatting: true });
    const [gen, app] = ['gen', 'app'].map((d) => pathToFileURL(path.join(dir, d, 'Dockerfile')).href);
    for (const uri of [gen, app]) await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text: pip } });
    expect((await c.waitDiagnostics(app, (p) => p.version === 1)).some((d) => d.code === 'pip-cache-mount')).toBe(true);
    expect(await c.waitDiagnostics(gen, (p) => p.version === 1)).toEqual([]);
    const range = { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } };
    expect(await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: gen }, range, context: { diagnostics: [] } })).toEqual([]);
    expect(await c.conn.sendRequest('textDocument/formatting', { textDocument: { uri: gen }, options: { tabSize: 4, insertSpaces: true } })).toEqual([]);
    // The layout of `dockerfix fmt` for the same file (2 spaces from .editorconfig), not the editor's tabSize.
    const edits = await c.conn.sendRequest<TextEdit[]>('textDocument/formatting', { textDocument: { uri: app }, options: { tabSize: 4, insertSpaces: true } });
    expect(applyEdits(pip, edits)).toBe(fmt.stdout);

    // A .dockerfixignore added later: the server is told, the diagnostics go.
    fs.writeFileSync(path.join(dir, 'app', '.dockerfixignore'), 'Dockerfile\n');
    const seen = c.diagnostics.get(app)!.length;
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'app', '.dockerfixignore')).href, type: 1 }] });
    expect(await c.waitDiagnostics(app, (p) => c.diagnostics.get(app)!.indexOf(p) >= seen)).toEqual([]);
    expect(spawnSync(process.execPath, [BIN, '--check', '.'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
    expect(await c.close()).toBe(0);
  }, 60_000);

  it('reports a file that does not parse as an error diagnostic, and exit without shutdown is code 1', async () => {
    const dir = path.join(tmp, 'bad');
    fs.mkdirSync(dir);
    const uri = pathToFileURL(path.join(dir, 'Dockerfile')).href;
    const c = new Client();
    await c.initialize(dir);
    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text: 'FROM alpine\nRUN <<EOF\necho unterminated\n' } });
    const d = await c.waitDiagnostics(uri, (p) => p.version === 1);
    expect(d).toHaveLength(1);
    expect(d[0].severity).toBe(1);
    await c.conn.sendNotification('exit');
    expect(await c.exitCode).toBe(1);
    c.conn.dispose();
  }, 60_000);
  it('an edited document gets the diagnostics a fresh open of the same text gets', async () => {
    const dir = path.join(tmp, 'edits');
    copyDir(path.join(ROOT, 'examples/python-app'), dir);
    const file = path.join(dir, 'Dockerfile');
    const uri = pathToFileURL(file).href;
    const base = fs.readFileSync(file, 'utf8');
    // Two stages, so edits land in one stage while the other stays as it was.
    let text = `${base}\nFROM node:20 AS web\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n`;
    const c = new Client();
    await c.initialize(dir);
    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
    await c.waitDiagnostics(uri, (p) => p.version === 1);
    const pos = (offset: number): Pos => {
      const before = text.slice(0, offset).split('\n');
      return { line: before.length - 1, character: before[before.length - 1].length };
    };
    // Typing, deleting, a new instruction, a removed one, two changes in one notification.
    const steps: Array<Array<[string, string]>> = [
      [['pip install', 'pip install --no-cache-dir']],
      [['RUN npm ci', 'RUN npm ci --cache /tmp/x']],
      [['--cache /tmp/x', '']],
      [['WORKDIR /app\n', 'WORKDIR /app\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n']],
      [['COPY . .\nRUN apt-get', 'RUN apt-get'], ['FROM node:20 AS web', 'FROM node:20-alpine AS web']],
      [['ENV PIP_NO_CACHE_DIR=1\n', '']],
    ];
    let version = 1;
    for (const step of steps) {
      const contentChanges = [];
      for (const [from, to] of step) {
        const at = text.indexOf(from);
        expect(at, from).toBeGreaterThanOrEqual(0);
        contentChanges.push({ range: { start: pos(at), end: pos(at + from.length) }, text: to });
        text = text.slice(0, at) + to + text.slice(at + from.length);
      }
      version++;
      await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
      const edited = await c.waitDiagnostics(uri, (p) => p.version === version);
      // A new server, the same text opened: the same diagnostics.
      const fresh = new Client();
      await fresh.initialize(dir);
      await fresh.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
      expect(edited).toEqual(await fresh.waitDiagnostics(uri, (p) => p.version === 1));
      expect(await fresh.close()).toBe(0);
    }
    expect(await c.close()).toBe(0);
  }, 120_000);

  it('the warm-up in idle time changes no diagnostics: edits after it get what a fresh open gets', async () => {
    const dir = path.join(tmp, 'warm-up');
    copyDir(path.join(ROOT, 'examples/python-app'), dir);
    const file = path.join(dir, 'Dockerfile');
    const uri = pathToFileURL(file).href;
    let text = fs.readFileSync(file, 'utf8');
    // No idle time needed: the server warms up between every message here.
    const c = new Client();
    await c.initialize(dir, { warmUpIdleMs: 0 });
    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
    const opened = await c.waitDiagnostics(uri, (p) => p.version === 1);
    await new Promise((r) => setTimeout(r, 300));
    // Typed, then undone: the same text, the same diagnostics (from the cache or not).
    expect(text.endsWith('\n')).toBe(true);
    const end = { line: text.split('\n').length - 1, character: 0 };
    const added = 'RUN apt-get update && apt-get install -y curl\n';
    const edited = text + added;
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: end, end }, text: added }] });
    const after = await c.waitDiagnostics(uri, (p) => p.version === 2);
    await new Promise((r) => setTimeout(r, 300));
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ range: { start: end, end: { line: end.line + 1, character: 0 } }, text: '' }] });
    expect(await c.waitDiagnostics(uri, (p) => p.version === 3)).toEqual(opened);
    const fresh = new Client();
    await fresh.initialize(dir, { warmUp: false });
    text = edited;
    await fresh.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
    expect(after).toEqual(await fresh.waitDiagnostics(uri, (p) => p.version === 1));
    expect(after).not.toEqual(opened);
    expect(await fresh.close()).toBe(0);
    expect(await c.close()).toBe(0);
  }, 60_000);

  it('a Dockerfile built with several contexts is analysed with each, as the CLI does', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(tmp, 'contexts-')));
    fs.cpSync(path.join(ROOT, 'fixtures-repos/compose-parent-context'), dir, { recursive: true });
    execFileSync('git', ['init', '-q', dir]);
    const file = path.join(dir, 'docker/Dockerfile');
    const uri = pathToFileURL(file).href;
    const text = fs.readFileSync(file, 'utf8');
    const open = async (): Promise<{ c: Client; diags: Diagnostic[] }> => {
      const c = new Client();
      await c.initialize(dir);
      await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
      return { c, diags: await c.waitDiagnostics(uri, (p) => p.version === 1) };
    };
    const fixAll = async (c: Client): Promise<string> => {
      const actions = await c.conn.sendRequest<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], only: ['source.fixAll'] } });
      return actions.length ? applyEdits(text, actions[0].edit!.changes[uri]) : text;
    };
    const cli = (): string => {
      const copy = fs.realpathSync(fs.mkdtempSync(path.join(tmp, 'contexts-cli-')));
      fs.cpSync(dir, copy, { recursive: true });
      const r = spawnSync(process.execPath, [BIN, '--write', '--no-color', '-q', '.'], { cwd: copy, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return fs.readFileSync(path.join(copy, 'docker/Dockerfile'), 'utf8');
    };

    // One context (compose's, the repository root): the split of the COPY is offered.
    const one = await open();
    expect(one.diags.find((d) => d.code === 'split-copy')?.data).toEqual({ transform: 'split-copy', fixKind: 'safe' });
    expect(one.diags.map((d) => d.code)).not.toContain('contexts');
    expect(await fixAll(one.c)).toBe(cli());
    expect(await one.c.close()).toBe(0);

    // A Makefile builds it with docker/ as the context too: the contexts disagree, so only the
    // changes that do not depend on the context are offered, and a hint says why.
    fs.writeFileSync(path.join(dir, 'Makefile'), 'image:\n\tdocker build -f docker/Dockerfile docker\n');
    const two = await open();
    // Without a context the split cannot check package.json's scripts: an unsafe fix only.
    expect(two.diags.find((d) => d.code === 'split-copy')?.data).toEqual({ transform: 'split-copy', fixKind: 'unsafe' });
    const hint = two.diags.find((d) => d.code === 'contexts')!;
    expect(hint.severity).toBe(4);
    expect(hint.message).toMatch(/^the contexts give different results \(context \. changes lines 1, 3, 4, 5; context docker changes lines 1, 4\)/);
    const fixed = await fixAll(two.c);
    expect(fixed).toBe(cli());
    expect(fixed).not.toBe(text);
    expect(await two.c.close()).toBe(0);
  }, 120_000);

  describe('codeAction/resolve', () => {
    /** A node stage whose dependency split is unsafe (no build context: its directory does not exist) and a pip stage. */
    const UNSAFE = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nFROM python:3.12-slim\nRUN pip install flask\n';
    const ranges = (diags: Diagnostic[]): Range[] => [{ start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, ...diags.map((d) => d.range)];
    const request = (c: Client, uri: string, range: Range, diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> =>
      c.conn.sendRequest<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: diagnostics.filter((d) => d.range.start.line <= range.end.line && d.range.end.line >= range.start.line), triggerKind: 2, ...(only ? { only } : {}) } });
    const resolve = (c: Client, a: CodeAction): Promise<CodeAction> => c.conn.sendRequest<CodeAction>('codeAction/resolve', a);
    const open = async (c: Client, uri: string, text: string, version = 1): Promise<Diagnostic[]> => {
      await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version, text } });
      return c.waitDiagnostics(uri, (p) => p.version === version);
    };

    it('a client that resolves gets the actions without edits, and each resolves to exactly the edit a client that does not resolve gets', async () => {
      const dir = path.join(tmp, 'resolve');
      copyDir(path.join(ROOT, 'examples/python-app'), dir);
      const cases = [
        { uri: pathToFileURL(path.join(dir, 'Dockerfile')).href, text: fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8') },
        // No build context: the split of the COPY is an unsafe fix, so "fix all including unsafe" is offered.
        { uri: pathToFileURL(path.join(dir, 'no-such-dir', 'Dockerfile')).href, text: UNSAFE },
      ];
      const eager = new Client();
      const lazy = new Client();
      // Resolve support without `edit`, or without `data`: the edits come with the actions, as before.
      const noEdit = new Client();
      const noData = new Client();
      const eagerInit = await eager.initialize(dir);
      const lazyInit = await lazy.initialize(dir, {}, RESOLVE_EDIT);
      const noEditInit = await noEdit.initialize(dir, {}, { codeAction: { dataSupport: true, resolveSupport: { properties: ['documentation'] } } });
      const noDataInit = await noData.initialize(dir, {}, { codeAction: { resolveSupport: { properties: ['edit'] } } });
      expect(lazyInit.capabilities.codeActionProvider).toEqual({ resolveProvider: true, codeActionKinds: ['quickfix', 'source.fixAll.dockerfix', 'source.dockerfix.unsafe'] });
      for (const init of [eagerInit, noEditInit, noDataInit]) expect(init.capabilities.codeActionProvider).toEqual({ codeActionKinds: ['quickfix', 'source.fixAll.dockerfix', 'source.dockerfix.unsafe'] });

      const kindsSeen = new Set<string>();
      let resolved = 0;
      for (const { uri, text } of cases) {
        const diags = await open(eager, uri, text);
        expect(await open(lazy, uri, text)).toEqual(diags);
        await open(noEdit, uri, text);
        await open(noData, uri, text);
        for (const range of ranges(diags)) {
          for (const only of [undefined, ['source.fixAll'], ['source'], ['quickfix']]) {
            const want = await request(eager, uri, range, diags, only);
            const got = await request(lazy, uri, range, diags, only);
            expect(await request(noEdit, uri, range, diags, only)).toEqual(want);
            expect(await request(noData, uri, range, diags, only)).toEqual(want);
            for (const a of want) {
              // Eager: the edit, no data.
              expect(a.edit).toMatchObject({ changes: { [uri]: expect.any(Array) } });
              expect(a.data).toBeUndefined();
            }
            // The same actions (titles, kinds, diagnostics, isPreferred), with data instead of the edit.
            for (const a of got) expect(a.data).toMatchObject({ uri, version: 1 });
            expect(got.map(({ data, ...a }) => a)).toEqual(want.map(({ edit, ...a }) => a));
            for (const [i, a] of got.entries()) {
              expect(a.edit).toBeUndefined();
              const r = await resolve(lazy, a);
              expect(r.edit).toEqual(want[i].edit);
              expect({ ...r, edit: undefined }).toEqual({ ...a, edit: undefined });
              kindsSeen.add(a.kind!);
              resolved++;
            }
          }
        }
        // The unsafe fix-all resolves to what dockerfix --write --unsafe makes of the same text.
        const fixAllUnsafe = (await request(lazy, uri, ranges([])[0], [], ['source.dockerfix.unsafe']))[0];
        if (text === UNSAFE) {
          const r = spawnSync(process.execPath, [BIN, '--stdin', '--unsafe', '--no-context'], { input: text, encoding: 'utf8' });
          expect(r.status, r.stderr).toBe(0);
          expect(applyEdits(text, (await resolve(lazy, fixAllUnsafe)).edit!.changes[uri])).toBe(r.stdout);
        } else expect(fixAllUnsafe).toBeUndefined();
      }
      expect([...kindsSeen].sort()).toEqual(['quickfix', 'source.dockerfix.unsafe', 'source.fixAll.dockerfix']);
      expect(resolved).toBeGreaterThan(10);
      for (const c of [eager, lazy, noEdit, noData]) expect(await c.close()).toBe(0);
    }, 120_000);

    it('a resolve after the document changed never returns an edit for the old text', async () => {
      const dir = path.join(tmp, 'resolve-stale');
      copyDir(path.join(ROOT, 'examples/python-app'), dir);
      const uri = pathToFileURL(path.join(dir, 'Dockerfile')).href;
      const v1 = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
      const lazy = new Client();
      await lazy.initialize(dir, {}, RESOLVE_EDIT);
      const diags = await open(lazy, uri, v1);
      const pip = diags.find((d) => d.code === 'pip-cache-mount')!;
      const actions = await request(lazy, uri, pip.range, diags);
      expect(actions.map((a) => a.kind)).toEqual(['quickfix', 'source.fixAll.dockerfix']);
      const [quick, fixAll] = actions;
      const v1Edits = await Promise.all(actions.map(async (a) => (await resolve(lazy, a)).edit));

      // What a client that does not resolve gets for a text (the eager edits).
      const eagerFor = async (text: string): Promise<CodeAction[]> => {
        const c = new Client();
        await c.initialize(dir);
        const d = await open(c, uri, text);
        const r = await request(c, uri, d.find((x) => x.code === 'pip-cache-mount')?.range ?? pip.range, d);
        expect(await c.close()).toBe(0);
        return r;
      };
      const change = async (version: number, text: string): Promise<void> => {
        await lazy.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
        await lazy.waitDiagnostics(uri, (p) => p.version === version);
      };

      // v2: a comment above: the same fixes still apply, on the current text (the lines moved).
      const v2 = `# a comment\n${v1}`;
      await change(2, v2);
      const want2 = await eagerFor(v2);
      expect(want2.map((a) => a.kind)).toEqual(['quickfix', 'source.fixAll.dockerfix']);
      for (const [i, a] of [quick, fixAll].entries()) {
        const r = await resolve(lazy, a);
        expect(r.edit).toEqual(want2[i].edit);
        expect(r.edit).not.toEqual(v1Edits[i]);
      }

      // v2b: --no-cache-dir removed by hand: a pip cache mount is still proposed, but another
      // change (its message differs): not the fix the user chose, so no edit; fix all safe is.
      const v2b = v1.replace('pip install --no-cache-dir', 'pip install');
      await change(20, v2b);
      const want2b = await eagerFor(v2b);
      expect(want2b[0].kind).toBe('quickfix');
      expect(want2b[0].diagnostics![0].message).not.toBe(quick.diagnostics![0].message);
      expect((await resolve(lazy, quick)).edit).toBeUndefined();
      expect((await resolve(lazy, fixAll)).edit).toEqual(want2b[1].edit);

      // v3: the pip line fixed by hand: its quick fix is no longer proposed, so no edit; fix all
      // safe still is (the COPY split), computed on v3.
      const v3 = v1.replace('RUN pip install', 'RUN --mount=type=cache,target=/root/.cache/pip pip install');
      expect(v3).not.toBe(v1);
      await change(30, v3);
      const r3 = await resolve(lazy, quick);
      expect(r3.edit).toBeUndefined();
      expect(r3.title).toBe(quick.title);
      const want3 = (await eagerFor(v3)).find((a) => a.kind === 'source.fixAll.dockerfix')!;
      expect((await resolve(lazy, fixAll)).edit).toEqual(want3.edit);

      // v4: nothing left to fix: no edit for either.
      const fixed = applyEdits(v3, want3.edit!.changes[uri]);
      await change(40, fixed);
      for (const a of actions) expect((await resolve(lazy, a)).edit).toBeUndefined();

      // Closed, then reopened with the first text but as version 1 again: the same text, the same edits.
      await lazy.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
      for (const a of actions) expect((await resolve(lazy, a)).edit).toBeUndefined();
      await open(lazy, uri, v1, 1);
      expect(await Promise.all(actions.map(async (a) => (await resolve(lazy, a)).edit))).toEqual(v1Edits);
      // Reopened as version 1 with another text: not taken for the old one.
      await lazy.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
      const seen = lazy.diagnostics.get(uri)!.length;
      await lazy.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text: fixed } });
      await lazy.waitDiagnostics(uri, (p) => lazy.diagnostics.get(uri)!.indexOf(p) >= seen && p.version === 1);
      for (const a of actions) expect((await resolve(lazy, a)).edit).toBeUndefined();
      expect(await lazy.close()).toBe(0);
    }, 120_000);
  });
});
