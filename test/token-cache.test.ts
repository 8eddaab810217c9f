/**
 * Tokens of unchanged instructions are reused across document versions (src/core/token-cache.ts):
 * a document whose instruction has the same text as one tokenized before gets the same tokens,
 * shifted to its own offsets, exactly what tokenizing it afresh gives; the shared cache stays
 * within its bound.
 */
import { describe, expect, it } from 'vitest';
import { DockerfileDocument } from '../src/core/document.js';
import { TokenCache, instructionKey, shiftTokens } from '../src/core/token-cache.js';

const body = [
  'FROM debian:bookworm AS base',
  'RUN apt-get update \\',
  '    # keep it small',
  '    && apt-get install -y curl > /dev/null 2>&1 \\',
  '    && echo "$HOME" \'x y\' $(date) ; cat > /tmp/f <<EOT',
  'data',
  'EOT',
  'RUN <<EOF',
  'set -e',
  'pip install "pkg>=1" && echo done',
  'EOF',
  'COPY --chown=app a b /dst/',
  '',
].join('\n');

/** Every instruction's words and commands (heredoc scripts included), as plain data. */
function tokensOf(doc: DockerfileDocument): unknown {
  return doc.instructions.map((i) => (i.json ? null : { args: i.args(), commands: i.commands() }));
}

describe('token cache', () => {
  it('gives a shifted document the tokens a fresh tokenization gives', () => {
    const cache = new TokenCache();
    const first = new DockerfileDocument(body, false, undefined, cache);
    const fresh = tokensOf(new DockerfileDocument(body, false, undefined, null));
    expect(tokensOf(first)).toEqual(fresh);
    expect(cache.size).toBeGreaterThan(0);
    // The same instructions further down: every offset moves, nothing else.
    const shifted = '# a comment line added above\nARG X=1\n' + body;
    const reused = new DockerfileDocument(shifted, false, undefined, cache);
    expect(tokensOf(reused)).toEqual(tokensOf(new DockerfileDocument(shifted, false, undefined, null)));
    // Same place: the very same objects.
    const again = new DockerfileDocument(body, false, undefined, cache);
    expect(again.instructions[1]!.args()).toBe(first.instructions[1]!.args());
  });

  it('keys on the escape character too', () => {
    const text = 'FROM x\nRUN echo a\n';
    expect(instructionKey(text, 7, 17, '\\')).not.toBe(instructionKey(text, 7, 17, '`'));
  });

  it('shares shifted words between the lists that held the same word', () => {
    const doc = new DockerfileDocument('FROM x\nRUN cat <<EOT > f\nhi\nEOT\n', false, undefined, null);
    const t = { commands: doc.instructions[1]!.commands(), words: doc.instructions[1]!.args(), heredocs: [] };
    const s = shiftTokens(t, 5);
    expect(s.commands[0]!.words[0]).toBe(s.words[0]);
    expect(s.words.map((w) => w.start)).toEqual(t.words.map((w) => w.start + 5));
  });

  it('stays within its bound, dropping the least recently used', () => {
    const cache = new TokenCache(40);
    const t = { commands: [], words: [], heredocs: [] };
    cache.set('a'.repeat(15), 'args', 0, t);
    cache.set('b'.repeat(15), 'args', 0, t);
    expect(cache.get('a'.repeat(15), 'args', 0)).toBe(t); // a is now the most recent
    cache.set('c'.repeat(15), 'args', 0, t);
    expect(cache.size).toBe(2);
    expect(cache.get('b'.repeat(15), 'args', 0)).toBeUndefined();
    expect(cache.get('a'.repeat(15), 'args', 0)).toBe(t);
    cache.set('d'.repeat(100), 'args', 0, t); // longer than the bound: not kept
    expect(cache.get('d'.repeat(100), 'args', 0)).toBeUndefined();
  });

  it('keys are strings of their own (equal to the instruction text)', () => {
    const text = 'FROM x\nRUN echo hi\n';
    expect(instructionKey(text, 7, 18, '\\')).toBe('\\RUN echo hi');
  });
});
