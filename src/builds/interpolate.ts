/**
 * Variable interpolation as compose does it: `${X:-default}` / `${X-default}` take their default
 * when X is not known, `$$` is a literal `$`, anything else unknown makes the value unresolvable.
 */

export type Interpolated = { ok: true; value: string } | { ok: false; variable: string };

export function interpolate(s: string, env: Record<string, string | undefined> = {}): Interpolated {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      // GitHub Actions expressions `${{ ... }}` are never known here.
      if (s[i + 2] === '{') return { ok: false, variable: s.slice(i, s.indexOf('}}', i) + 2 || undefined) };
      const close = s.indexOf('}', i);
      if (close === -1) return { ok: false, variable: s.slice(i) };
      const body = s.slice(i + 2, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])(.*))?$/s.exec(body);
      if (!m) return { ok: false, variable: `\${${body}}` };
      const [, name, colon, op, word] = m;
      const v = env[name];
      const set = v !== undefined && (colon !== ':' || v !== '');
      if (op === '-') {
        const inner = set ? { ok: true as const, value: v! } : interpolate(word ?? '', env);
        if (!inner.ok) return inner;
        out += inner.value;
      } else if (op === '+') {
        if (set) {
          const inner = interpolate(word ?? '', env);
          if (!inner.ok) return inner;
          out += inner.value;
        }
      } else {
        if (v === undefined) return { ok: false, variable: `\${${body}}` };
        out += v;
      }
      i = close + 1;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i + 1));
    if (m) {
      const v = env[m[0]];
      if (v === undefined) return { ok: false, variable: `$${m[0]}` };
      out += v;
      i += 1 + m[0].length;
      continue;
    }
    if (next === '(') return { ok: false, variable: s.slice(i, (s.indexOf(')', i) + 1) || undefined) };
    out += c;
    i++;
  }
  return { ok: true, value: out };
}
