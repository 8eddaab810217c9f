/**
 * Shell here-documents inside a script (`cat > f <<'X'` ... `X`), here-strings, `$'...'` strings
 * and the scripts in `sh -c` strings: data and words, never commands of the script.
 */
import { describe, expect, it } from 'vitest';
import { nestedCommands, nestedScript, tokenize } from '../src/core/shell.js';
import { DockerfileDocument } from '../src/core/document.js';
import { editInsideData, protectedRanges } from '../src/core/edit-helpers.js';

const tk = (text: string) => tokenize(text, (i) => i);
const programs = (text: string) => tk(text).commands.map((c) => c.words.map((w) => w.value).join(' '));
const bodyOf = (text: string, h: { bodyStart: number; bodyEnd: number }) => text.slice(h.bodyStart, h.bodyEnd);

describe('tokenize: here-documents', () => {
  it('a quoted delimiter: the body lines are not commands, the lines after it are', () => {
    const text = "apt-get update\ncat > /usr/local/bin/setup.sh <<'SCRIPT'\npip install --no-cache-dir x\nrm -rf /var/lib/apt/lists/*\nSCRIPT\nchmod +x /usr/local/bin/setup.sh\n";
    expect(programs(text)).toEqual(['apt-get update', 'cat <<SCRIPT', 'chmod +x /usr/local/bin/setup.sh']);
    const c = tk(text).commands[1];
    expect(c.heredocs).toHaveLength(1);
    const h = c.heredocs![0];
    expect(h).toMatchObject({ delimiter: 'SCRIPT', quoted: true, stripTabs: false });
    expect(bodyOf(text, h)).toBe('pip install --no-cache-dir x\nrm -rf /var/lib/apt/lists/*');
    expect(text.slice(h.bodyStart, h.end)).toBe('pip install --no-cache-dir x\nrm -rf /var/lib/apt/lists/*\nSCRIPT');
    expect(c.redirects.map((w) => w.value)).toEqual(['>', '/usr/local/bin/setup.sh']);
  });

  it('double-quoted, backslash-quoted and unquoted delimiters; `<< X` with a blank', () => {
    for (const [marker, quoted] of [['<<"EOF"', true], ['<<\\EOF', true], ['<<EOF', false], ['<< EOF', false], ["<< 'EOF'", true]] as const) {
      const text = `cat ${marker} > /x\necho $HOME\nrm -rf /tmp/*\nEOF\nls\n`;
      expect(programs(text), marker).toEqual(['cat ' + (marker.startsWith('<< ') ? '<<EOF' : '<<EOF'), 'ls']);
      const h = tk(text).heredocs[0];
      expect(h.quoted, marker).toBe(quoted);
      expect(bodyOf(text, h)).toBe('echo $HOME\nrm -rf /tmp/*');
    }
  });

  it('a line that merely starts with the delimiter does not close it; the exact line does', () => {
    const text = 'cat <<EOF\nEOF2\n EOF\nEOF\necho after';
    expect(programs(text)).toEqual(['cat <<EOF', 'echo after']);
    expect(bodyOf(text, tk(text).heredocs[0])).toBe('EOF2\n EOF');
  });

  it('<<- strips leading tabs from the delimiter line (only tabs)', () => {
    const text = 'if true; then\n\tcat <<-EOF > /x\n\tapt-get clean\n\t\tEOF\n\techo done\nfi\n';
    expect(programs(text)).toEqual(['if true', 'then', 'cat <<-EOF', 'echo done', 'fi']);
    const h = tk(text).heredocs[0];
    expect(h.stripTabs).toBe(true);
    expect(bodyOf(text, h)).toBe('\tapt-get clean');
    // Without `-`, a tab-indented delimiter does not close the body: it runs to the end.
    const plain = 'cat <<EOF\n\tEOF\napt-get clean\n';
    expect(programs(plain)).toEqual(['cat <<EOF']);
    expect(tk(plain).heredocs[0].unterminated).toBe(true);
  });

  it('two here-documents on one line: bodies follow in order, then commands resume', () => {
    const text = "cat <<A > /a && cat <<'B' > /b\npip install x\nA\nnpm ci\nB\napt-get clean\n";
    const t = tk(text);
    expect(programs(text)).toEqual(['cat <<A', 'cat <<B', 'apt-get clean']);
    expect(t.heredocs.map((h) => [h.delimiter, bodyOf(text, h)])).toEqual([
      ['A', 'pip install x'],
      ['B', 'npm ci'],
    ]);
    // Each body belongs to the command that opened it.
    expect(t.commands[0].heredocs!.map((h) => h.delimiter)).toEqual(['A']);
    expect(t.commands[1].heredocs!.map((h) => h.delimiter)).toEqual(['B']);
  });

  it('commands after the marker on its line are commands; the body starts on the next line', () => {
    const text = 'cat <<EOF | sh; echo hi\napt-get clean\nEOF\n';
    expect(programs(text)).toEqual(['cat <<EOF', 'sh', 'echo hi']);
  });

  it('an unquoted body: a line continued with a backslash cannot close it', () => {
    const text = 'cat <<EOF\nx \\\nEOF\nEOF\nls';
    expect(programs(text)).toEqual(['cat <<EOF', 'ls']);
    expect(bodyOf(text, tk(text).heredocs[0])).toBe('x \\\nEOF');
    // Quoted: no continuation, the first EOF line closes it.
    const q = "cat <<'EOF'\nx \\\nEOF\nls";
    expect(programs(q)).toEqual(['cat <<EOF', 'ls']);
  });

  it('CRLF lines: the delimiter line still closes the body', () => {
    const text = "cat <<'EOF' > /x\r\napt-get clean\r\nEOF\r\nls\r\n";
    expect(programs(text)).toEqual(['cat <<EOF', 'ls']);
    expect(bodyOf(text, tk(text).heredocs[0])).toBe('apt-get clean');
  });

  it('a newline inside quotes on the marker line does not start the body', () => {
    const text = 'cat <<EOF; echo "a\nb"\nbody\nEOF\nls';
    expect(programs(text)).toEqual(['cat <<EOF', 'echo a\nb', 'ls']);
    expect(bodyOf(text, tk(text).heredocs[0])).toBe('body');
  });

  it('a marker at the end of the text (a RUN logical line) has no body here', () => {
    const t = tk('cat > /x <<EOF');
    expect(t.commands[0].heredocs).toBeUndefined();
    expect(t.heredocs).toEqual([]);
    expect(t.commands[0].words.map((w) => w.value)).toEqual(['cat', '<<EOF']);
  });

  it('an unterminated body runs to the end of the text, flagged', () => {
    const text = 'cat <<EOF\napt-get clean\n';
    const h = tk(text).heredocs[0];
    expect(h.unterminated).toBe(true);
    expect(bodyOf(text, h)).toBe('apt-get clean');
    expect(programs(text)).toEqual(['cat <<EOF']);
  });

  it('here-strings are a redirect and its word, not commands', () => {
    const text = 'grep -q x <<< "apt-get clean && rm -rf /var/lib/apt/lists/*"';
    const c = tk(text).commands;
    expect(c).toHaveLength(1);
    expect(c[0].words.map((w) => w.value)).toEqual(['grep', '-q', 'x']);
    expect(c[0].redirects.map((w) => w.value)).toEqual(['<<<', 'apt-get clean && rm -rf /var/lib/apt/lists/*']);
  });
});

describe("tokenize: $'...' strings", () => {
  it("an escaped quote does not end the word; escapes are applied", () => {
    const text = "echo $'it\\'s a\\tb' && apt-get clean";
    const t = tk(text);
    expect(programs(text)).toEqual(["echo it's a\tb", 'apt-get clean']);
    const w = t.commands[0].words[1];
    expect(w).toMatchObject({ quoted: true, dynamic: false, start: 5, end: text.indexOf(' &&') });
  });
  it('hex, octal and \\n escapes; unknown escapes stay', () => {
    expect(tk("printf $'\\x41\\101\\n\\q'").words[1].value).toBe('AA\n\\q');
  });
  it("an unclosed $' is flagged and ends with the text", () => {
    const w = tk("echo $'abc").words[1];
    expect(w).toMatchObject({ value: 'abc', unterminated: true, end: 10 });
  });
  it('$"..." reads like a double-quoted string', () => {
    expect(tk('echo $"a b" c').words.map((w) => w.value)).toEqual(['echo', 'a b', 'c']);
  });
});

describe('nested scripts (sh -c, su -c, eval)', () => {
  const nested = (text: string) => tk(text).commands.map((c) => nestedScript(c)).map((s) => s && { via: s.via, text: s.words.map((w) => w.value).join(' ') });
  it('finds the script string of shells, su and eval', () => {
    expect(nested(`sh -c "pip install x"`)).toEqual([{ via: 'sh -c', text: 'pip install x' }]);
    expect(nested(`/bin/bash -euxo pipefail -c 'apt-get update'`)).toEqual([{ via: 'bash -c', text: 'apt-get update' }]);
    expect(nested(`bash -lc 'npm ci'`)).toEqual([{ via: 'bash -c', text: 'npm ci' }]);
    expect(nested(`su app -c "pip install --user x"`)).toEqual([{ via: 'su -c', text: 'pip install --user x' }]);
    expect(nested(`sudo -u app sh -c 'npm ci'`)).toEqual([{ via: 'sh -c', text: 'npm ci' }]);
    expect(nested(`eval "$(pyenv init -)" pip install x`)).toEqual([{ via: 'eval', text: '$(pyenv init -) pip install x' }]);
  });
  it('a shell running a script file, or a plain command, has none', () => {
    expect(nested('sh ./install.sh -c x')).toEqual([null]);
    expect(nested('pip install -c constraints.txt x')).toEqual([null]);
  });
  it('nestedCommands tokenizes the strings, recursively, offsets inside the string word', () => {
    const text = `sh -c "apt-get update && bash -c 'apt-get clean'"`;
    const n = nestedCommands(tk(text).commands);
    expect(n.map((x) => [x.via, x.cmd.words.map((w) => w.value).join(' ')])).toEqual([
      ['sh -c', 'apt-get update'],
      ['sh -c', "bash -c apt-get clean"],
      ['sh -c', 'apt-get clean'],
    ]);
    for (const x of n) for (const w of x.cmd.words) expect(w.start >= 6 && w.end <= text.length).toBe(true);
  });
});

describe('the edit safety net (editInsideData)', () => {
  const doc = new DockerfileDocument(
    [
      'FROM debian',
      'RUN <<EOF',
      'apt-get update',
      "cat > /setup.sh <<'SCRIPT'",
      'rm -rf /var/lib/apt/lists/*',
      'SCRIPT',
      'sh -c "apt-get clean"',
      'EOF',
      'RUN cat > /data.txt <<DATA',
      'apt-get clean',
      'DATA',
      '',
    ].join('\n'),
  );
  const [, run1, run2] = doc.instructions;
  const at = (s: string) => doc.text.indexOf(s);

  it('the script heredoc is commands; the nested here-document and the sh -c string are data', () => {
    expect(run1.scriptHeredoc()?.name).toBe('EOF');
    expect(run1.commands().map((c) => c.words[0].value)).toEqual(['apt-get', 'cat', 'sh']);
    const whats = protectedRanges(run1).map((r) => r.what);
    expect(whats.some((w) => w.startsWith('the here-document <<SCRIPT'))).toBe(true);
    expect(whats.some((w) => w.startsWith('the `sh -c` string'))).toBe(true);
  });
  it('rejects edits inside them, and insertions at the edges of a body', () => {
    const rm = at('rm -rf /var');
    expect(editInsideData(run1, [{ start: rm, end: rm + 5, text: '' }])?.what).toMatch(/here-document <<SCRIPT/);
    expect(editInsideData(run1, [{ start: rm, end: rm, text: 'x ' }])).not.toBeNull();
    const sEnd = at('SCRIPT\nsh') + 'SCRIPT'.length;
    expect(editInsideData(run1, [{ start: sEnd, end: sEnd, text: ' && y' }])).not.toBeNull();
    const clean = at('apt-get clean"');
    expect(editInsideData(run1, [{ start: clean, end: clean + 13, text: '' }])?.what).toMatch(/sh -c/);
    // A Dockerfile heredoc that is not the step's script (cat > /data.txt <<DATA) is data too.
    expect(run2.scriptHeredoc()).toBeNull();
    const d = at('apt-get clean\nDATA');
    expect(editInsideData(run2, [{ start: d, end: d + 7, text: '' }])?.what).toMatch(/heredoc <<DATA/);
  });
  it('accepts edits on the commands, after the delimiter line, and whole-word replacements', () => {
    const upd = at('apt-get update');
    expect(editInsideData(run1, [{ start: upd, end: upd, text: 'x; ' }])).toBeNull();
    const afterDelim = at('SCRIPT\nsh') + 'SCRIPT'.length;
    const sh = at('sh -c');
    expect(editInsideData(run1, [{ start: afterDelim, end: doc.text.indexOf('\nEOF', sh), text: '' }])).toBeNull();
    const q = at('"apt-get clean"');
    expect(editInsideData(run1, [{ start: q - 1, end: q + '"apt-get clean"'.length, text: '' }])).toBeNull();
    expect(editInsideData(run1, [{ start: run1.flagsInsert, end: run1.flagsInsert, text: ' --mount=type=cache,target=/x' }])).toBeNull();
  });
});
