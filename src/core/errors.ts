/**
 * The one error class the API throws: `DockerfixError` with a `kind`. Kept in core so the
 * transform registry (an unknown transform id) and the API (unreadable input) share it.
 */
export type DockerfixErrorKind = 'parse' | 'internal' | 'unknown-transform';

/**
 * Thrown by `fix` for input it cannot read (bad escape directive, unterminated heredoc), an
 * internal error, or an unknown transform id (`kind: "unknown-transform"`, line and column 0).
 */
export class DockerfixError extends Error {
  constructor(
    message: string,
    readonly kind: DockerfixErrorKind,
    readonly line: number,
    readonly column: number,
  ) {
    super(line > 0 ? `${message} (${line}:${column})` : message);
    this.name = 'DockerfixError';
  }
}
