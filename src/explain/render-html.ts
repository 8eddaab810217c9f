/**
 * `dockerfix explain --format html`: one self-contained file (no scripts, no fonts, no network)
 * with the headline, the same picture as the Mermaid flowchart drawn as inline SVG by
 * `renderSvg` (laid out here, no Mermaid runtime), and the step tables.
 */
import type { StepInfo } from './analyze.js';
import { statusClass } from './render-mermaid.js';
import { markWord, statusWord, type ExplainView, type StepPair } from './model.js';

export function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const COLORS: Record<string, { fill: string; stroke: string; text: string }> = {
  rerun: { fill: '#ffebe9', stroke: '#cf222e', text: '#24292f' },
  may: { fill: '#fff8c5', stroke: '#bf8700', text: '#24292f' },
  cached: { fill: '#f6f8fa', stroke: '#d0d7de', text: '#8c959f' },
  base: { fill: '#ddf4ff', stroke: '#54aeff', text: '#24292f' },
};

/** The border of a step dockerfix added, moved or changed (unless it re-runs: then red, dashed). */
const MARKED = '#8250df';
const COL_W = 520;
const GAP = 40;
const PAD = 20;
const STEP_H = 38;
const STEP_GAP = 10;
const STAGE_HEAD = 26;
const MAX_CHARS = 64;

function shorten(s: string, max = MAX_CHARS): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** The cache chain before and after as an SVG picture. */
export function renderSvg(v: ExplainView): string {
  const r = v.result;
  const cols: Array<{ title: string; which: 'before' | 'after' }> = [{ title: `${r.after ? 'before dockerfix' : 'dockerfix changes nothing'}: ${v.counts.before.rerun} of ${v.counts.before.total} build steps re-run`, which: 'before' }];
  if (r.after) cols.push({ title: `after dockerfix: ${v.counts.after.rerun} of ${v.counts.after.total} build steps re-run`, which: 'after' });
  const parts: string[] = [];
  let height = 0;
  cols.forEach((col, ci) => {
    const x0 = PAD + ci * (COL_W + GAP);
    let y = PAD;
    parts.push(`<text x="${x0}" y="${y + 14}" font-size="15" font-weight="600" fill="#24292f">${xml(col.title)}</text>`);
    y += 30;
    for (const st of v.stages) {
      const stage = col.which === 'before' ? st.before : st.after;
      if (!stage) continue;
      const pairOf = new Map<StepInfo, StepPair>();
      for (const p of st.steps) {
        const s = col.which === 'before' ? p.before : p.mark === 'removed' ? undefined : p.after;
        if (s) pairOf.set(s, p);
      }
      const h = STAGE_HEAD + stage.steps.length * (STEP_H + STEP_GAP) + 4;
      parts.push(`<g class="stage" data-stage="${st.index}">`);
      parts.push(`<rect x="${x0}" y="${y}" width="${COL_W}" height="${h}" rx="8" fill="#ffffff" stroke="#8c959f"/>`);
      parts.push(`<text x="${x0 + 10}" y="${y + 18}" font-size="12" font-weight="600" fill="#57606a">${xml(shorten(`stage ${st.index}${st.name ? ` ${st.name}` : ''} · FROM ${stage.base}`, 70))}</text>`);
      let sy = y + STAGE_HEAD;
      stage.steps.forEach((s, k) => {
        const p = pairOf.get(s);
        const cls = statusClass(s);
        const c = COLORS[cls];
        const mark = !p || !r.after ? '' : col.which === 'after' ? markWord(p) : p.mark === 'removed' ? 'removed by dockerfix' : '';
        const reads = (s.fromStages ?? []).map((i) => {
          const o = v.stages.find((x) => x.index === i);
          return `reads stage ${o?.name ?? i}`;
        });
        const sub = [statusWord(s), mark, ...reads].filter(Boolean).join(' · ');
        const bx = x0 + 10;
        const bw = COL_W - 20;
        if (k > 0) parts.push(`<path d="M${bx + bw / 2} ${sy - STEP_GAP} V${sy - 1}" stroke="#8c959f" stroke-width="1.5" marker-end="url(#arrow)"/>`);
        parts.push(
          `<g class="step ${cls}${mark ? ' marked' : ''}" data-line="${s.line}" data-status="${s.status}" data-mark="${p && r.after ? p.mark : 'same'}">` +
            `<title>${xml(`L${s.line} ${s.summary}\n${s.reason ? `why: ${s.reason}` : `key: ${s.key.join(' + ')}`}`)}</title>` +
            `<rect x="${bx}" y="${sy}" width="${bw}" height="${STEP_H}" rx="5" fill="${c.fill}" stroke="${mark && cls !== 'rerun' ? MARKED : c.stroke}" stroke-width="${cls === 'rerun' || mark ? 2 : 1}"${mark ? ' stroke-dasharray="6 3"' : ''}/>` +
            `<text x="${bx + 8}" y="${sy + 15}" font-family="ui-monospace,SFMono-Regular,Menlo,Consolas,monospace" font-size="12" fill="${c.text}">${xml(shorten(`L${s.line} ${s.summary}`))}</text>` +
            `<text x="${bx + 8}" y="${sy + 31}" font-size="11" fill="${c.text}">${xml(shorten(sub, 80))}</text>` +
            '</g>',
        );
        sy += STEP_H + STEP_GAP;
      });
      parts.push('</g>');
      y += h + 18;
    }
    height = Math.max(height, y);
  });
  // Legend.
  const legend: Array<[string, string, boolean]> = [['rerun', 're-runs', false], ['may', 'may re-run', false], ['cached', 'cache hit', false], ['base', 'base image', false]];
  if (r.after) legend.push(['cached', 'added / moved / changed by dockerfix', true]);
  let lx = PAD;
  const ly = height + 4;
  for (const [cls, text, dash] of legend) {
    const c = COLORS[cls];
    parts.push(`<rect x="${lx}" y="${ly}" width="16" height="12" rx="2" fill="${dash ? '#ffffff' : c.fill}" stroke="${dash ? MARKED : c.stroke}"${dash ? ' stroke-dasharray="4 2"' : ''}/>`);
    parts.push(`<text x="${lx + 22}" y="${ly + 11}" font-size="12" fill="#57606a">${xml(text)}</text>`);
    lx += 34 + text.length * 6.5;
  }
  height = ly + 24;
  const width = PAD * 2 + cols.length * COL_W + (cols.length - 1) * GAP;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="dockerfix-explain" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif" role="img" aria-label="${xml(v.headline)}">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#8c959f"/></marker></defs>' +
    parts.join('') +
    '</svg>'
  );
}

function table(v: ExplainView): string {
  const r = v.result;
  const out: string[] = [];
  for (const st of v.stages) {
    out.push(`<h3>stage ${st.index}${st.name ? ` ${xml(st.name)}` : ''} <small>FROM ${xml(st.base)}</small></h3>`);
    out.push('<table><thead><tr><th>step</th>' + (r.after ? '<th>before</th><th>after</th><th>rewrite</th>' : '<th>status</th>') + '<th>why</th></tr></thead><tbody>');
    for (const p of st.steps) {
      const s = p.after && p.mark !== 'removed' ? p.after : p.before!;
      const why = (p.mark !== 'removed' && r.after ? p.after?.reason : undefined) ?? (p.before?.reason ? (r.after && p.mark !== 'removed' ? `before: ${p.before.reason}` : p.before.reason) : '');
      const at = (x: StepInfo | undefined): string => (x ? `<span class="${statusClass(x)}">L${x.line} ${xml(statusWord(x))}</span>` : '—');
      out.push(
        `<tr><td><code>${xml(s.summary)}</code></td>` +
          (r.after ? `<td>${at(p.before)}</td><td>${p.mark === 'removed' ? '—' : at(p.after)}</td><td>${xml(markWord(p))}</td>` : `<td>${at(s)}</td>`) +
          `<td>${xml(why)}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }
  return out.join('\n');
}

export function renderHtml(v: ExplainView): string {
  const r = v.result;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>dockerfix explain ${xml(r.path)}</title>
<style>
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#24292f;margin:24px;max-width:1200px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:8px 0 4px}h3{font-size:14px;margin:18px 0 6px}small{color:#57606a;font-weight:normal}
p.meta{color:#57606a;margin:2px 0}.picture{overflow-x:auto;margin:16px 0}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}code{font-size:12px}
.rerun{color:#cf222e;font-weight:600}.may{color:#9a6700}.cached{color:#8c959f}.base{color:#0969da}
</style>
</head>
<body>
<h1>dockerfix explain <code>${xml(r.path)}</code></h1>
<h2 class="headline">${xml(v.headline)}</h2>
<p class="meta">${xml(r.contextLine)}</p>
<p class="meta">change: ${xml(r.changeLine)}</p>
${r.applied.length ? `<p class="meta">rewrite: ${r.applied.map((a) => `<code>${xml(a)}</code>`).join(', ')}</p>` : ''}
<div class="picture">${renderSvg(v)}</div>
${table(v)}
</body>
</html>
`;
}
