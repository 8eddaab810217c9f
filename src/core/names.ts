/**
 * The ONE list of Dockerfile names. CLI discovery (src/cli/discover.ts), the prettier plugin
 * (src/prettier-plugin.ts) and the pre-commit hooks (`.pre-commit-hooks.yaml`: its `files` and
 * `exclude` regexes are PRE_COMMIT_FILES / PRE_COMMIT_EXCLUDE, checked by test/names.test.ts) all
 * take their names from here.
 *
 * A Dockerfile is named `Dockerfile` or `Containerfile` (either in lower case too), optionally
 * followed by `.<anything>` (`Dockerfile.prod`), or `<name>.Dockerfile` / `<name>.dockerfile` /
 * `<name>.Containerfile` / `<name>.containerfile` — minus the names that look like one but are
 * not (NOT_DOCKERFILE_SUFFIXES: ignore files, notes, patch leftovers, templates a generator
 * renders, dockerfix's own temp files).
 */

/** The base names, in the two cases the ecosystem uses (GitHub linguist lists both). */
export const DOCKERFILE_BASES = ['Dockerfile', 'dockerfile', 'Containerfile', 'containerfile'] as const;

/** As globs (for documentation, globby and editors). */
export const DOCKERFILE_PATTERNS: readonly string[] = [
  ...DOCKERFILE_BASES.map((b) => `**/${b}`),
  ...DOCKERFILE_BASES.map((b) => `**/${b}.*`),
  ...DOCKERFILE_BASES.map((b) => `**/*.${b}`),
];

/**
 * Endings of names that match DOCKERFILE_PATTERNS but are not Dockerfiles: `.dockerignore` /
 * `.containerignore` files, notes, patch leftovers, and templates (`.template`, `.tmpl`, `.j2`,
 * `.in`: rewriting a template would put text on its control lines).
 */
export const NOT_DOCKERFILE_SUFFIXES = ['dockerignore', 'containerignore', 'md', 'orig', 'rej', 'template', 'tmpl', 'j2', 'in'] as const;

/** NOT_DOCKERFILE_SUFFIXES and dockerfix's temp files, as globs. */
export const NOT_DOCKERFILES: readonly string[] = [...NOT_DOCKERFILE_SUFFIXES.map((s) => `**/*.${s}`), '**/*.dockerfix-*.tmp'];

const BASES = DOCKERFILE_BASES.join('|');
const NOT = NOT_DOCKERFILE_SUFFIXES.join('|');
const NAME = new RegExp(`^(?:(?:${BASES})(?:\\..*)?|.+\\.(?:${BASES}))$`, 's');
const NOT_NAME = new RegExp(`\\.(?:${NOT})$|\\.dockerfix-[^/]*\\.tmp$`);

/** Is this base name (no directory) a Dockerfile name? */
export function isDockerfileName(name: string): boolean {
  return NAME.test(name) && !NOT_NAME.test(name);
}

/** A path whose last part is a Dockerfile name (`/` or `\` separated). */
export function isDockerfilePath(filepath: string): boolean {
  const base = filepath.slice(Math.max(filepath.lastIndexOf('/'), filepath.lastIndexOf('\\')) + 1);
  return isDockerfileName(base);
}

/** pre-commit `files:` (Python regex, searched in the repository-relative path). */
export const PRE_COMMIT_FILES = `(^|/)((${BASES})(\\.[^/]*)?|[^/]+\\.(${BASES}))$`;

/**
 * pre-commit `exclude:`: the not-Dockerfile endings, dockerfix's temp files, and template
 * directories (`{{cookiecutter.slug}}/`, `{%...%}`).
 */
export const PRE_COMMIT_EXCLUDE = `\\.(${NOT})$|\\.dockerfix-[^/]*\\.tmp$|\\{\\{|\\{%`;
