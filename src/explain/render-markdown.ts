/**
 * `dockerfix explain --format markdown` (a pull-request comment, review body or job summary: the
 * headline, the Mermaid picture, and per stage a table of the steps before and after with why
 * each re-runs) and `--format json` (the analysis, the headline and the step pairing).
 */
import type { StepInfo } from './analyze.js';
import { renderMermaid } from './render-mermaid.js';
import { markWord, statusWord, type ExplainView } from './model.js';

/** Mermaid text GitHub still renders (its limit is 50,000 characters). */
export const MERMAID_MAX = 45_000;

/** Text for a Markdown table cell. */
function cell(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;').replace(/[\r\n]+/g, ' ');
}

function code(s: string): string {
  return `<code>${cell(s)}</code>`;
}

function where(s: StepInfo | undefined): string {
  return s ? `L${s.line} ${statusWord(s).replace(/^re-runs/, '**re-runs**')}` : '—';
}

export function renderMarkdown(v: ExplainView, opts: { heading?: string } = {}): string {
  const r = v.result;
  const out: string[] = [];
  out.push(`${opts.heading ?? '###'} dockerfix explain ${code(r.path)}`, '');
  out.push(`**${cell(v.headline)}**`, '');
  out.push(`${cell(r.contextLine)}  `, `change: ${cell(r.changeLine)}${r.applied.length ? `  \nrewrite: ${r.applied.map(code).join(', ')}` : ''}`, '');
  const mermaid = renderMermaid(v);
  if (mermaid.length <= MERMAID_MAX) out.push('```mermaid', mermaid.trimEnd(), '```', '');
  else out.push(`_The picture is left out: ${mermaid.length.toLocaleString('en-US')} characters of Mermaid, more than GitHub renders (${MERMAID_MAX.toLocaleString('en-US')}); \`dockerfix explain --format html\` draws it._`, '');
  out.push('<details><summary>Steps, before and after, and why they re-run</summary>', '');
  for (const st of v.stages) {
    out.push(`**stage ${st.index}${st.name ? ` ${cell(st.name)}` : ''}** (FROM ${code(st.base)})`, '');
    out.push(r.after ? '| step | before | after | rewrite | why (after, else before) |' : '| step | status | why |');
    out.push(r.after ? '|---|---|---|---|---|' : '|---|---|---|');
    for (const p of st.steps) {
      const s = p.after && p.mark !== 'removed' ? p.after : p.before!;
      const why = (p.mark !== 'removed' && r.after ? p.after?.reason : undefined) ?? (p.before?.reason ? (r.after && p.mark !== 'removed' ? `before: ${p.before.reason}` : p.before.reason) : '');
      if (r.after) out.push(`| ${code(s.summary)} | ${where(p.before)} | ${p.mark === 'removed' ? '—' : where(p.after)} | ${markWord(p)} | ${cell(why)} |`);
      else out.push(`| ${code(`L${s.line} ${s.summary}`)} | ${statusWord(s)} | ${cell(why)} |`);
    }
    out.push('');
  }
  out.push('</details>', '');
  return out.join('\n');
}

export function renderExplainJson(v: ExplainView): string {
  const r = v.result;
  return (
    JSON.stringify(
      {
        ...r,
        headline: v.headline,
        counts: v.counts,
        pairs: v.stages.map((st) => ({
          stage: st.index,
          steps: st.steps.map((p) => ({ before: p.before?.line ?? null, after: p.mark === 'removed' ? null : (p.after?.line ?? null), mark: p.mark, ...(p.changed ? { changed: true } : {}) })),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}
