/** Which Dockerfile features need BuildKit's newer frontend (and so may want `# syntax=`). */
import type { DockerfileDocument, Instruction } from './document.js';

const RUN_FLAGS = new Set(['mount', 'network', 'security']);
const COPY_FLAGS = new Set(['link', 'chmod', 'parents', 'exclude', 'checksum', 'keep-git-dir']);

/** The first BuildKit-only feature an instruction uses, as a short description, or null. */
export function buildkitFeature(instr: Instruction): string | null {
  if (instr.heredocs.length > 0) return `a heredoc in ${instr.upper}`;
  if (instr.upper === 'RUN') {
    const f = instr.flags.find((x) => RUN_FLAGS.has(x.name));
    if (f) return `RUN --${f.name}`;
  }
  if (instr.upper === 'COPY' || instr.upper === 'ADD') {
    const f = instr.flags.find((x) => COPY_FLAGS.has(x.name));
    if (f) return `${instr.upper} --${f.name}`;
  }
  return null;
}

export function buildkitFeatures(doc: DockerfileDocument): string[] {
  const out = new Set<string>();
  for (const i of doc.instructions) {
    const f = buildkitFeature(i);
    if (f) out.add(f);
  }
  return [...out];
}
