/**
 * Rendering a VerifyResult: text (terminal), json (schema/dockerfix-verify.schema.json) and
 * markdown (a PR comment or a GitHub job summary).
 */
import { escapeControls } from '../report/escape.js';
import type { BuildInfo, ScenarioResult, VerifyResult } from './run.js';

export const VERIFY_FORMATS = ['text', 'json', 'markdown'] as const;
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];

const SCENARIO_TITLES: Record<string, string> = {
  'source-edit': 'source edit',
  'dependency-edit': 'dependency edit',
  'ci-source-edit': 'CI: source edit, cache mounts empty',
  'ci-dependency-edit': 'CI: dependency edit, cache mounts empty',
};

function steps(b: BuildInfo): string {
  return `${b.steps.cached}/${b.steps.total} cached`;
}

function buildCell(b: BuildInfo | undefined): string {
  if (!b) return '-';
  return b.ok ? `${b.seconds.toFixed(2)} s (${steps(b)})` : `FAILED${b.timedOut ? ' (timed out)' : ''}`;
}

function ratio(s: ScenarioResult): string {
  return s.speedup === undefined ? '-' : `${s.speedup}x`;
}

export function renderVerify(r: VerifyResult, format: VerifyFormat): string {
  if (format === 'json') return `${JSON.stringify({ $schema: 'https://unpkg.com/dockerfix/schema/dockerfix-verify.schema.json', ...r }, null, 2)}\n`;
  if (format === 'markdown') return renderMarkdown(r);
  return renderText(r);
}

function renderText(r: VerifyResult): string {
  const c = escapeControls;
  const lines: string[] = [];
  const L = (s = ''): void => void lines.push(s);
  L(`dockerfix verify ${c(r.dockerfile)} (context ${r.context === null ? 'none' : c(r.context)})`);
  if (r.docker) L(`docker: client ${r.docker.client}, daemon ${r.docker.server}; isolation: ${r.docker.isolation === 'builder' ? `dedicated builder ${r.docker.builder}` : 'unique cache-mount ids (no buildx)'}`);
  if (r.rewrite.changes.length) {
    L(`rewrite: ${r.rewrite.changes.length} change${r.rewrite.changes.length === 1 ? '' : 's'}`);
    for (const ch of r.rewrite.changes) L(`  line ${ch.line} [${ch.transform}] ${c(ch.message)}`);
  }
  for (const t of r.targets) {
    L(`target ${c(t.label)} (${t.why}): original ${buildCell(t.original)}, rewrite ${buildCell(t.rewrite)}`);
    for (const [side, b] of [['original', t.original], ['rewrite', t.rewrite]] as const) {
      if (!b || b.ok) continue;
      L(`  the ${side} fails${b.failedStep ? ` at ${c(b.failedStep)}` : ''}: ${c(b.error ?? '')}`);
      for (const l of b.logTail ?? []) L(`    | ${c(l)}`);
    }
    if (t.comparison) {
      const cmp = t.comparison;
      L(`  images: ${cmp.equivalent ? 'same files and config' : `${cmp.differenceCount} path${cmp.differenceCount === 1 ? '' : 's'} and ${cmp.config.length} config key${cmp.config.length === 1 ? '' : 's'} differ`} (${cmp.files.original} / ${cmp.files.rewrite} paths compared)`);
      for (const d of cmp.differences.slice(0, 50)) {
        if (d.kind === 'only-original') L(`    only in the original: ${c(d.path)} (${c(d.original ?? '')})`);
        else if (d.kind === 'only-rewrite') L(`    only in the rewrite:  ${c(d.path)} (${c(d.rewrite ?? '')})`);
        else L(`    differs (${(d.fields ?? []).join(', ')}): ${c(d.path)}: ${c(d.original ?? '')} -> ${c(d.rewrite ?? '')}`);
      }
      if (cmp.differenceCount > 50) L(`    … and ${cmp.differenceCount - 50} more (--format json lists up to 500)`);
      for (const k of cmp.config) L(`    config ${k.key}: ${c(JSON.stringify(k.original))} -> ${c(JSON.stringify(k.rewrite))}`);
    }
  }
  if (r.scenarios.length || r.skippedScenarios.length) {
    L('rebuilds (original -> rewrite):');
    for (const s of r.scenarios) {
      L(`  ${SCENARIO_TITLES[s.name]} (${c(s.file)}, target ${c(s.target)}): ${buildCell(s.original)} -> ${buildCell(s.rewrite)}${s.speedup !== undefined ? `, ${s.speedup}x` : ''}`);
      if (!s.rewrite.ok) {
        L(`    the rewrite fails${s.rewrite.failedStep ? ` at ${c(s.rewrite.failedStep)}` : ''}: ${c(s.rewrite.error ?? '')}`);
        for (const l of s.rewrite.logTail ?? []) L(`      | ${c(l)}`);
      }
    }
    for (const s of r.skippedScenarios) L(`  ${SCENARIO_TITLES[s.name]}: not measured: ${c(s.reason)}`);
  }
  if (r.excluded.length) L(`not compared: ${r.excluded.map((e) => e.pattern).join(' ')} (--format json gives the reason for each)`);
  for (const n of r.notes) L(`note: ${c(n)}`);
  if (r.cleanup.problems.length) for (const p of r.cleanup.problems) L(`cleanup problem: ${c(p)}`);
  L(`verdict: ${c(r.summary)}`);
  return `${lines.join('\n')}\n`;
}

function md(s: string): string {
  return escapeControls(s).replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/`/g, "'");
}

function renderMarkdown(r: VerifyResult): string {
  const lines: string[] = [];
  const L = (s = ''): void => void lines.push(s);
  const icon = r.verdict === 'equivalent' ? '✅' : r.verdict === 'unchanged' ? '➖' : r.verdict === 'original-fails' ? '⚠️' : '❌';
  L(`### ${icon} dockerfix verify: \`${md(r.dockerfile)}\``);
  L('');
  L(`**${md(r.summary)}**`);
  L('');
  if (r.targets.length) {
    L('| target | original | rewrite | image |');
    L('|---|---|---|---|');
    for (const t of r.targets) {
      const img = t.comparison ? (t.comparison.equivalent ? 'same files and config' : `${t.comparison.differenceCount} paths, ${t.comparison.config.length} config keys differ`) : '-';
      L(`| ${md(t.label)} | ${buildCell(t.original)} | ${buildCell(t.rewrite)} | ${img} |`);
    }
    L('');
  }
  const diffs = r.targets.flatMap((t) => (t.comparison?.differences ?? []).slice(0, 20).map((d) => ({ t, d })));
  if (diffs.length) {
    L('| target | path | original | rewrite |');
    L('|---|---|---|---|');
    for (const { t, d } of diffs) L(`| ${md(t.label)} | \`${md(d.path)}\` | ${md(d.original ?? 'absent')} | ${md(d.rewrite ?? 'absent')} |`);
    L('');
  }
  for (const t of r.targets) {
    for (const [side, b] of [['original', t.original], ['rewrite', t.rewrite]] as const) {
      if (!b || b.ok) continue;
      L(`The ${side} fails (target ${md(t.label)})${b.failedStep ? ` at \`${md(b.failedStep)}\`` : ''}:`);
      L('');
      L('```');
      for (const l of [...(b.logTail ?? []), b.error ?? '']) L(escapeControls(l).replace(/```/g, "'''"));
      L('```');
      L('');
    }
  }
  if (r.scenarios.length) {
    L(`| rebuild (target ${md(r.scenarios[0].target)}) | edited | original | rewrite | speedup |`);
    L('|---|---|---:|---:|---:|');
    for (const s of r.scenarios) L(`| ${SCENARIO_TITLES[s.name]} | \`${md(s.file)}\` | ${buildCell(s.original)} | ${buildCell(s.rewrite)} | ${ratio(s)} |`);
    L('');
  }
  for (const s of r.skippedScenarios) L(`- ${SCENARIO_TITLES[s.name]}: not measured: ${md(s.reason)}`);
  for (const n of r.notes) L(`- note: ${md(n)}`);
  if (r.excluded.length) {
    L('');
    L(`<details><summary>Not compared (${r.excluded.length} rules)</summary>`);
    L('');
    for (const e of r.excluded) L(`- \`${md(e.pattern)}\`: ${md(e.reason)}`);
    L('');
    L('</details>');
  }
  return `${lines.join('\n')}\n`;
}
