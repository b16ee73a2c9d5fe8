import { CREDENTIALS_HINT, SealtrailError } from './errors.js';

/** A mistake in the config file: one line naming the file and what is wrong (exit 2). */
export function fail(file: string, what: string, hint = 'see examples/sealtrail.yaml'): never {
  throw new SealtrailError('E_CONFIG', `${file}: ${what}`, hint);
}

// Keys an operator may try for credentials: they belong in the environment.
const CREDENTIAL_KEY = /pass|api_?key|apikey|token|secret|user|auth|cred/i;

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * A misspelt key would be ignored without a word (`timzone:` leaves the
 * timestamps in the machine's zone), so every key is checked, at every level.
 */
export function checkKeys(file: string, where: string, obj: Record<string, unknown>, known: string[]): void {
  for (const k of Object.keys(obj)) {
    if (known.includes(k)) continue;
    const path = where ? `${where}.${k}` : k;
    if (where === 'elasticsearch' && CREDENTIAL_KEY.test(k)) {
      fail(file, `${path}: credentials are never read from the config file`, CREDENTIALS_HINT);
    }
    const nearest = known.map((n) => ({ n, d: distance(k.toLowerCase(), n) })).sort((a, b) => a.d - b.d)[0]!;
    const guess = nearest.d <= Math.max(2, Math.floor(nearest.n.length / 3)) ? `did you mean ${where ? `${where}.` : ''}${nearest.n}?` : `known: ${known.join(', ')}`;
    fail(file, `unknown key ${path}`, guess);
  }
}
