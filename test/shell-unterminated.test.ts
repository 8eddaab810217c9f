/** Words with a quote that is never closed, or a trailing backslash, end with the text. */
import { describe, expect, it } from 'vitest';
import { tokenize } from '../src/core/shell.js';

const words = (text: string) => tokenize(text, (i) => i).words.map((w) => ({ value: w.value, start: w.start, end: w.end, unterminated: !!w.unterminated }));

describe('tokenize: unterminated words', () => {
  it('an unclosed double quote ends at the end of the text, flagged', () => {
    expect(words('echo "abc')).toEqual([
      { value: 'echo', start: 0, end: 4, unterminated: false },
      { value: 'abc', start: 5, end: 9, unterminated: true },
    ]);
  });
  it('an unclosed single quote ends at the end of the text, flagged', () => {
    expect(words("awk '{ print")).toEqual([
      { value: 'awk', start: 0, end: 3, unterminated: false },
      { value: '{ print', start: 4, end: 12, unterminated: true },
    ]);
  });
  it('a trailing backslash ends at the end of the text, not flagged', () => {
    expect(words('echo a\\')).toEqual([
      { value: 'echo', start: 0, end: 4, unterminated: false },
      { value: 'a', start: 5, end: 7, unterminated: false },
    ]);
  });
  it('closed quotes are not flagged', () => {
    expect(words(`echo "a b" 'c'`).map((w) => [w.end, w.unterminated])).toEqual([[4, false], [10, false], [14, false]]);
  });
});
