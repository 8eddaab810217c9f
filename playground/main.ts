/**
 * The dockerfix playground: everything runs in this page (the same transforms, diff, formatter
 * and explain analysis as the CLI, bundled by scripts/build-playground.mjs). The input lives in
 * the URL fragment, so a link shares it; nothing is sent anywhere.
 */
import { MemoryContext, NoContext, type BuildContext } from '../src/core/context.js';
import { runTransforms, sortTransforms } from '../src/core/runner.js';
import { stripBom } from '../src/core/source.js';
import type { Finding, Transform } from '../src/core/types.js';
import { renderDiff } from '../src/report/diff.js';
import { format } from '../src/format/index.js';
import { explainText, explainView } from '../src/explain/model.js';
import { isManifest } from '../src/explain/analyze.js';
import { renderMermaid } from '../src/explain/render-mermaid.js';
import { renderSvg } from '../src/explain/render-html.js';
import { ALL_TRANSFORMS } from '../transforms/all.js';
import { examples } from 'dockerfix:examples';

interface State {
  dockerfile: string;
  /** Context listing: one path per line. */
  files: string;
  dockerignore: string;
  /** Contents of files dockerfix reads (manifests): `==> path <==` blocks. */
  contents: string;
  useContext: boolean;
  unsafe: boolean;
  /** Transform ids turned off. */
  off: string[];
}

const TRANSFORMS: Transform[] = sortTransforms(ALL_TRANSFORMS);
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function encodeState(s: State): string {
  const bytes = new TextEncoder().encode(JSON.stringify(s));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeState(h: string): State | null {
  try {
    const bin = atob(h.replace(/-/g, '+').replace(/_/g, '/'));
    const s = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))) as Partial<State>;
    if (typeof s.dockerfile !== 'string') return null;
    return { dockerfile: s.dockerfile, files: s.files ?? '', dockerignore: s.dockerignore ?? '', contents: s.contents ?? '', useContext: s.useContext ?? true, unsafe: Boolean(s.unsafe), off: Array.isArray(s.off) ? s.off : [] };
  } catch {
    return null;
  }
}

function readState(): State {
  return {
    dockerfile: $<HTMLTextAreaElement>('dockerfile').value,
    files: $<HTMLTextAreaElement>('files').value,
    dockerignore: $<HTMLTextAreaElement>('dockerignore').value,
    contents: $<HTMLTextAreaElement>('contents').value,
    useContext: $<HTMLInputElement>('use-context').checked,
    unsafe: $<HTMLInputElement>('unsafe').checked,
    off: TRANSFORMS.map((t) => t.meta.id).filter((id) => !($(`t-${id}`) as HTMLInputElement).checked),
  };
}

function writeState(s: State): void {
  $<HTMLTextAreaElement>('dockerfile').value = s.dockerfile;
  $<HTMLTextAreaElement>('files').value = s.files;
  $<HTMLTextAreaElement>('dockerignore').value = s.dockerignore;
  $<HTMLTextAreaElement>('contents').value = s.contents;
  $<HTMLInputElement>('use-context').checked = s.useContext;
  $<HTMLInputElement>('unsafe').checked = s.unsafe;
  for (const t of TRANSFORMS) ($(`t-${t.meta.id}`) as HTMLInputElement).checked = !s.off.includes(t.meta.id);
}

function contextOf(s: State): BuildContext {
  if (!s.useContext) return new NoContext();
  const files: Record<string, string> = {};
  for (const line of s.files.split('\n')) {
    const p = line.trim().replace(/^\.\//, '');
    if (p && !p.endsWith('/')) files[p] = '';
  }
  for (const [p, text] of parseContents(s.contents)) files[p] = text;
  if (s.dockerignore.trim()) files['.dockerignore'] = s.dockerignore;
  return new MemoryContext(files);
}

/** `==> path <==` blocks (as `tail` prints several files) into path -> text. */
export function parseContents(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = text.split(/^==> (.+?) <==\r?\n/m);
  for (let i = 1; i + 1 < parts.length; i += 2) out.set(parts[i].trim().replace(/^\.\//, ''), parts[i + 1].replace(/\n$/, '\n'));
  return out;
}

function contentsText(contents: Record<string, string>): string {
  return Object.entries(contents)
    .map(([p, t]) => `==> ${p} <==\n${t.endsWith('\n') ? t : t + '\n'}`)
    .join('');
}

function el(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function showDiff(diff: string): void {
  const pre = $('diff');
  pre.replaceChildren();
  if (!diff) {
    pre.append(el('span', { class: 'quiet' }, 'dockerfix would leave this file as it is.'));
    return;
  }
  for (const line of diff.replace(/\n$/, '').split('\n')) {
    const cls = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : line.startsWith('#') ? 'reason' : 'ctx';
    pre.append(el('span', { class: cls }, line + '\n'));
  }
}

function showFindings(findings: readonly Finding[]): void {
  const ul = $('findings');
  ul.replaceChildren();
  if (!findings.length) ul.append(el('li', { class: 'quiet' }, 'No findings.'));
  for (const f of findings) {
    const li = el('li', { class: `finding ${f.kind}` });
    li.append(el('span', { class: 'where' }, `line ${f.line}`), ' ', el('code', {}, f.transform), ' ', el('span', { class: 'kind' }, f.kind === 'change' ? (f.fixKind === 'unsafe' ? 'unsafe change' : 'change') : f.kind), ' ', el('span', {}, f.message));
    ul.append(li);
  }
}

function run(): void {
  const s = readState();
  history.replaceState(null, '', '#' + encodeState(s));
  const status = $('status');
  const transforms = TRANSFORMS.filter((t) => !s.off.includes(t.meta.id));
  const context = contextOf(s);
  const { text, bom } = stripBom(s.dockerfile);
  const r = runTransforms(text, { transforms, buildContext: context, path: 'Dockerfile', options: { unsafe: s.unsafe } }, bom);
  if (r.error) {
    status.textContent = `Dockerfile:${r.error.line}:${r.error.column}: ${r.error.message}`;
    status.className = 'error';
    showDiff('');
    showFindings([]);
    $('formatted').textContent = '';
    $('explain-headline').textContent = '';
    $('explain-picture').replaceChildren();
    return;
  }
  const changes = r.findings.filter((f) => f.kind === 'change').length;
  const skipped = r.findings.filter((f) => f.kind === 'skipped').length;
  status.textContent = `${r.changed ? `${changes} change${changes === 1 ? '' : 's'}` : 'no change'}, ${skipped} skipped note${skipped === 1 ? '' : 's'}`;
  status.className = r.changed ? 'changed' : 'unchanged';
  const output = (bom ? '\ufeff' : '') + r.output;
  showDiff(r.changed ? renderDiff('Dockerfile', s.dockerfile, output, r.findings) : '');
  showFindings(r.findings);
  const f = format(output);
  $('formatted').textContent = f.error ? `(not formatted: ${f.error.message})` : f.output;
  try {
    const v = explainView(explainText(s.dockerfile, { transforms, buildContext: context, options: { unsafe: s.unsafe }, contextLine: s.useContext ? `build context: the listing (${context.files()?.length ?? 0} files)` : 'build context: none' }));
    $('explain-headline').textContent = v.headline;
    $('explain-picture').innerHTML = renderSvg(v);
    $('mermaid').textContent = renderMermaid(v);
  } catch (e) {
    $('explain-headline').textContent = `explain: ${(e as Error).message}`;
    $('explain-picture').replaceChildren();
  }
}

async function readFolder(list: FileList): Promise<void> {
  const paths: string[] = [];
  let dockerfile: string | undefined;
  let ignore: string | undefined;
  const contents: Record<string, string> = {};
  for (const file of Array.from(list)) {
    const rel = (file.webkitRelativePath || file.name).split('/').slice(1).join('/') || file.name;
    if (/(^|\/)(node_modules|\.git)\//.test(rel)) continue;
    if (rel === 'Dockerfile') dockerfile = await file.text();
    else if (rel === '.dockerignore') ignore = await file.text();
    else if (isManifest(rel) && file.size <= 256 * 1024) contents[rel] = await file.text();
    paths.push(rel);
  }
  $<HTMLTextAreaElement>('files').value = paths.filter((p) => p !== 'Dockerfile').sort().join('\n');
  if (ignore !== undefined) $<HTMLTextAreaElement>('dockerignore').value = ignore;
  $<HTMLTextAreaElement>('contents').value = contentsText(contents);
  if (dockerfile !== undefined) $<HTMLTextAreaElement>('dockerfile').value = dockerfile;
  $<HTMLInputElement>('use-context').checked = true;
  run();
}

function init(): void {
  const box = $('transforms');
  for (const t of TRANSFORMS) {
    const label = el('label', { title: t.meta.summary });
    const input = el('input', { type: 'checkbox', id: `t-${t.meta.id}` }) as HTMLInputElement;
    input.checked = true;
    label.append(input, ' ', el('code', {}, t.meta.id), t.meta.fixKind === 'unsafe' ? el('span', { class: 'unsafe-tag' }, ' unsafe') : '');
    box.append(label);
  }
  const select = $<HTMLSelectElement>('example');
  for (const ex of examples) select.append(el('option', { value: ex.name }, `examples/${ex.name}`));
  select.addEventListener('change', () => {
    const ex = examples.find((x) => x.name === select.value);
    if (!ex) return;
    writeState({ dockerfile: ex.dockerfile, files: ex.files.join('\n'), dockerignore: ex.dockerignore, contents: contentsText(ex.contents), useContext: true, unsafe: false, off: [] });
    run();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = (): void => {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  };
  for (const id of ['dockerfile', 'files', 'dockerignore', 'contents']) $(id).addEventListener('input', later);
  document.querySelector('.controls')!.addEventListener('change', (e) => {
    if ((e.target as HTMLElement).id !== 'example' && (e.target as HTMLElement).id !== 'folder') run();
  });
  $<HTMLInputElement>('folder').addEventListener('change', (e) => {
    const files = (e.target as HTMLInputElement).files;
    if (files?.length) void readFolder(files);
  });
  $('run').addEventListener('click', run);
  $('share').addEventListener('click', () => {
    run();
    void navigator.clipboard?.writeText(location.href).catch(() => undefined);
    $('status').textContent = 'link copied: the input is in the URL fragment (never sent to a server)';
  });
  const fromHash = location.hash.length > 1 ? decodeState(location.hash.slice(1)) : null;
  const first = examples.find((x) => x.name === 'python-app') ?? examples[0];
  writeState(fromHash ?? { dockerfile: first.dockerfile, files: first.files.join('\n'), dockerignore: first.dockerignore, contents: contentsText(first.contents), useContext: true, unsafe: false, off: [] });
  if (!fromHash) select.value = first.name;
  run();
  document.body.dataset.ready = 'true';
}

init();
