/**
 * Readers of values that come both from operators (config files, flags) and
 * from log lines: shared by the configuration and the event stage, so
 * neither imports the other.
 */

/** `t01005`, `f01005`, `1005`, 1005 → 1005. */
export function minerNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^(?:[tf]0)?(\d+)$/.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A non-negative safe integer from a number or a numeric string; undefined otherwise. */
export function toInt(v: unknown): number | undefined {
  // A string that starts with a digit is not blank: no trim() (Number reads around spaces itself).
  const n = typeof v === 'number' ? v : typeof v === 'string' && (isDigitCode(v.charCodeAt(0)) || v.trim() !== '') ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
