/**
 * `dockerfix explain --format mermaid`: the cache chain as a Mermaid flowchart (GitHub renders it
 * in comments, review bodies and job summaries). Two columns, before and after the rewrite; per
 * stage a subgraph of its steps in order. Steps that re-run are red, steps that may re-run
 * (a COPY --from a stage that re-ran) amber, cache hits grey; the rewrite's added, moved and
 * changed steps have a dashed border and say so. A dotted arrow joins a stage to the steps that
 * read it (FROM, COPY --from, a bind mount).
 */
import type { StepInfo } from './analyze.js';
import { markWord, statusWord, type ExplainView, type StepPair } from './model.js';

/** Text inside a quoted Mermaid label: entity codes for what the parser or the HTML would take. */
export function mermaidText(s: string): string {
  return s
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/[\r\n]+/g, ' ');
}

const CLASSES = [
  'classDef rerun fill:#ffebe9,stroke:#cf222e,color:#24292f,stroke-width:2px',
  'classDef may fill:#fff8c5,stroke:#bf8700,color:#24292f',
  'classDef cached fill:#f6f8fa,stroke:#d0d7de,color:#8c959f',
  'classDef base fill:#ddf4ff,stroke:#54aeff,color:#24292f',
];

export function statusClass(s: StepInfo): 'rerun' | 'may' | 'cached' | 'base' {
  if (s.status === 'rerun') return 'rerun';
  if (s.status === 'may-rerun') return 'may';
  return s.kind === 'base' ? 'base' : 'cached';
}

function shorten(s: string, max = 60): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

export function renderMermaid(v: ExplainView): string {
  const r = v.result;
  const lines: string[] = ['flowchart LR'];
  const classes = new Map<string, string[]>();
  const dashed: string[] = [];
  const addClass = (c: string, id: string): void => {
    const l = classes.get(c);
    if (l) l.push(id);
    else classes.set(c, [id]);
  };
  const side = (which: 'b' | 'a', title: string): void => {
    lines.push(`  subgraph ${which}["${mermaidText(title)}"]`, '    direction TB');
    const lastOf = new Map<number, string>();
    const cross: string[] = [];
    for (const st of v.stages) {
      const stage = which === 'b' ? st.before : st.after;
      if (!stage) continue;
      const pairOf = new Map<StepInfo, StepPair>();
      for (const p of st.steps) {
        const s = which === 'b' ? p.before : p.mark === 'removed' ? undefined : p.after;
        if (s) pairOf.set(s, p);
      }
      const sid = `${which}s${st.index}`;
      lines.push(`    subgraph ${sid}["${mermaidText(`stage ${st.index}${st.name ? ` ${st.name}` : ''} · FROM ${stage.base}`)}"]`, '      direction TB');
      let prev: string | undefined;
      stage.steps.forEach((s, k) => {
        const p = pairOf.get(s);
        const id = `${which}${st.index}_${k}`;
        const mark = !p || !r.after ? '' : which === 'a' ? markWord(p) : p.mark === 'removed' ? 'removed by dockerfix' : '';
        const status = statusWord(s);
        const label = `L${s.line} ${shorten(s.summary)}<br/>${[status, mark].filter(Boolean).join(' · ')}`;
        lines.push(`      ${id}["${mermaidText(label).replace(/#lt;br\/#gt;/g, '<br/>')}"]`);
        addClass(statusClass(s), id);
        if (mark) dashed.push(s.status === 'rerun' ? `${id} stroke-dasharray:6 3` : `${id} stroke:#8250df,stroke-width:2px,stroke-dasharray:6 3`);
        if (prev) lines.push(`      ${prev} --> ${id}`);
        prev = id;
        for (const from of s.fromStages ?? []) cross.push(`${from}>${id}`);
      });
      if (prev) lastOf.set(st.index, prev);
      lines.push('    end');
    }
    for (const c of cross) {
      const [from, to] = c.split('>');
      const src = lastOf.get(Number(from));
      if (src) lines.push(`    ${src} -.-> ${to}`);
    }
    lines.push('  end');
  };
  const c = v.counts;
  const label = (n: { rerun: number; total: number }): string => `${n.rerun} of ${n.total} build steps re-run`;
  side('b', `${r.after ? 'before dockerfix' : 'dockerfix changes nothing'}: ${label(c.before)}`);
  if (r.after) side('a', `after dockerfix: ${label(c.after)}`);
  lines.push(...CLASSES.map((x) => '  ' + x));
  for (const [cls, ids] of classes) lines.push(`  class ${ids.join(',')} ${cls}`);
  for (const d of dashed) lines.push(`  style ${d}`);
  return lines.join('\n') + '\n';
}
