/**
 * Deterministic generator of large Dockerfiles for the benchmark (and the linearity test): a
 * realistic mix of stages, ENV/ARG, pip/apt RUN steps with continuations, comments, COPY,
 * heredocs, repeated until the requested size. Same size in, same bytes out.
 */
const STAGE_KINDS = ['python:3.12-slim', 'node:20', 'debian:bookworm', 'alpine:3.20', 'golang:1.22'];

function block(i) {
  const n = i % 7;
  switch (n) {
    case 0:
      return `# step ${i}: dependencies\nCOPY requirements-${i}.txt /app/\nRUN pip install --no-cache-dir -r /app/requirements-${i}.txt\n`;
    case 1:
      return `ENV APP_HOME_${i}=/srv/app${i} \\\n    PATH_${i}=/opt/bin${i}:$PATH\nARG VERSION_${i}=1.${i}\n`;
    case 2:
      return (
        `RUN apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n` +
        `        curl ca-certificates git-${i} \\\n    # keep the image small\n    && rm -rf /var/lib/apt/lists/*\n`
      );
    case 3:
      return `RUN <<EOF\nset -eux\necho "building ${i}" > /tmp/b${i}\npython3 -m pip install "pkg${i}>=1.0"\nEOF\n`;
    case 4:
      return `WORKDIR /srv/app${i}\nCOPY --chown=app:app src/${i}/ ./src/${i}/\nRUN ["python3", "-c", "print(${i})"]\n`;
    case 5:
      return `LABEL org.example.step="${i}" description="generated step with unicode \u00e9\u00e8 \u2713"\nEXPOSE ${8000 + (i % 1000)}\n`;
    default:
      return `RUN set -e; for f in a b c; do echo "$f-${i}" >> /tmp/list; done && \\\n    python -m pip wheel --wheel-dir /wheels pkg${i}\n`;
  }
}

/** A Dockerfile of about `bytes` bytes (UTF-16 length; a few non-ASCII characters). */
export function generateDockerfile(bytes) {
  const parts = ['# syntax=docker/dockerfile:1\n', 'ARG BASE_TAG=latest\n'];
  let size = parts.join('').length;
  let i = 0;
  let stage = 0;
  while (size < bytes) {
    let chunk = '';
    if (i % 40 === 0) {
      chunk += `\nFROM ${STAGE_KINDS[stage % STAGE_KINDS.length]} AS stage${stage}\n`;
      stage++;
    }
    chunk += block(i);
    parts.push(chunk);
    size += chunk.length;
    i++;
  }
  parts.push('CMD ["python3", "-m", "app"]\n');
  return parts.join('');
}
