/**
 * The GitHub Actions runner seen from a JavaScript action: inputs from `INPUT_*`, outputs to the
 * `GITHUB_OUTPUT` file, the job summary to `GITHUB_STEP_SUMMARY`, and workflow commands on
 * standard output. Every line printed here is safe: workflow commands are built with the
 * runner's escaping (src/report/github.ts) and any other line goes through `safeLogLine`, so text
 * from a repository (paths, Dockerfile lines, dockerfix's own error messages) never becomes a
 * command. Annotations are capped as GitHub caps them (10 of each level per step): the last slot
 * says how many more there are and where to find them.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { escapeData, escapeProperty } from '../../src/report/github.js';
import { safeLogLine } from '../../src/report/workflow-safe.js';
import { escapeControls } from '../../src/report/escape.js';

export type Level = 'error' | 'warning' | 'notice';

/** GitHub shows at most 10 annotations of each level per step (and 50 per job). */
export const ANNOTATIONS_PER_LEVEL = 10;

export interface Annotation {
  level: Level;
  file?: string;
  line?: number;
  col?: number;
  endLine?: number;
  endColumn?: number;
  title: string;
  message: string;
}

export class Runner {
  private readonly pending: Annotation[] = [];
  readonly workspace: string;

  constructor(
    readonly env: NodeJS.ProcessEnv = process.env,
    private readonly write: (s: string) => void = (s) => void process.stdout.write(s),
  ) {
    this.workspace = env.GITHUB_WORKSPACE || process.cwd();
  }

  /** An input as the runner passes it (`INPUT_<NAME>`, upper case, spaces as `_`), trimmed. */
  input(name: string, fallback = ''): string {
    const v = this.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
    return (v ?? fallback).trim();
  }

  /** A line for the log: never a workflow command. */
  log(text: string): void {
    for (const line of text.replace(/\r?\n$/, '').split(/\r?\n/)) this.write(safeLogLine(line) + '\n');
  }

  /** A workflow command (`::name props::data`), escaped as the runner unescapes it. */
  command(name: string, props: Record<string, string | number | undefined>, data: string): void {
    const p = Object.entries(props)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${k}=${escapeProperty(escapeControls(String(v)))}`)
      .join(',');
    this.write(`::${name}${p ? ' ' + p : ''}::${escapeData(escapeControls(data))}\n`);
  }

  /** Queue an annotation; `flushAnnotations` prints them within GitHub's limits. */
  annotate(a: Annotation): void {
    this.pending.push(a);
  }

  /** Print the queued annotations, at most ANNOTATIONS_PER_LEVEL per level; returns how many were folded away. */
  flushAnnotations(where: string): Record<Level, number> {
    const folded: Record<Level, number> = { error: 0, warning: 0, notice: 0 };
    for (const level of ['error', 'warning', 'notice'] as const) {
      const all = this.pending.filter((a) => a.level === level);
      const shown = all.length > ANNOTATIONS_PER_LEVEL ? all.slice(0, ANNOTATIONS_PER_LEVEL - 1) : all;
      for (const a of shown) this.command(a.level, { file: a.file, line: a.line, col: a.col, endLine: a.endLine, endColumn: a.endColumn, title: a.title }, a.message);
      const rest = all.length - shown.length;
      if (rest > 0) {
        folded[level] = rest;
        this.command(level, { title: 'dockerfix' }, `${rest} more ${level === 'error' ? 'errors' : level === 'warning' ? 'warnings' : 'notices'} not shown as annotations (GitHub shows ${ANNOTATIONS_PER_LEVEL} per step); ${where}`);
      }
    }
    this.pending.length = 0;
    return folded;
  }

  /**
   * Set a step output: `name=value`, or for a value with line breaks the runner's delimiter form
   * (`name<<DELIM`, the lines, `DELIM`) with a random delimiter no line of the value equals.
   */
  setOutput(name: string, value: string): void {
    if (!/^[\w-]+$/.test(name) || /\r/.test(value)) throw new Error(`bad output ${name}`);
    if (!this.env.GITHUB_OUTPUT) return;
    if (!value.includes('\n')) {
      fs.appendFileSync(this.env.GITHUB_OUTPUT, `${name}=${value}\n`);
      return;
    }
    let delim: string;
    do delim = `dockerfix_${randomBytes(12).toString('hex')}`;
    while (value.split('\n').includes(delim));
    fs.appendFileSync(this.env.GITHUB_OUTPUT, `${name}<<${delim}\n${value}\n${delim}\n`);
  }

  /** Append Markdown to the job summary. */
  summary(markdown: string): void {
    if (this.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(this.env.GITHUB_STEP_SUMMARY, markdown.endsWith('\n') ? markdown : markdown + '\n');
  }

  /** An error annotation without a file (for the step itself). */
  error(message: string): void {
    this.command('error', { title: 'dockerfix' }, message);
  }
}

/** Markdown text outside code: no HTML, links or emphasis from file names. */
export function escapeMarkdown(s: string): string {
  return escapeControls(s).replace(/[\\`*_{}[\]()<>#+!|~&-]/g, (c) => `\\${c}`);
}

/**
 * A fenced code block no line of `text` can close: the fence is one backtick longer than the
 * longest run of backticks in the text (at least three).
 */
export function fenced(text: string, info = ''): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text.endsWith('\n') || text === '' ? text : text + '\n'}${fence}\n`;
}
