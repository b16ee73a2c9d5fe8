import { createHash } from 'node:crypto';

/**
 * How many of a file's first bytes its identity covers. A log's first KiB
 * holds its first timestamps, so two distinct files differ in it even when
 * their first line is the same (`nohup: ignoring input`, a banner).
 */
export const FINGERPRINT_BYTES = 1024;

/**
 * How many of these first bytes a file's identity covers: the first KiB,
 * or, from a file shorter than that, all of it once it is known to be
 * complete (`atEnd`); 0 while it is too short to tell.
 */
export function fingerprintLength(head: Buffer, atEnd = false): number {
  if (head.length >= FINGERPRINT_BYTES) return FINGERPRINT_BYTES;
  return atEnd ? head.length : 0;
}

/** The hash of a file's first `length` bytes: its content identity. */
export function contentHash(head: Buffer, length: number): string {
  return createHash('sha256').update(head.subarray(0, length)).digest('hex').slice(0, 32);
}

/**
 * A file's identity from its content: the hash of its first KiB (of all of
 * it, at its end, when it is shorter). It survives rename and copy.
 * Undefined while the file is too short to tell.
 */
export function fingerprintOf(head: Buffer, atEnd = false): string | undefined {
  const n = fingerprintLength(head, atEnd);
  if (n === 0) return undefined;
  return contentHash(head, n);
}

/**
 * What registries of version 1 keyed files by: the first line (or the first
 * KiB when that line is longer). Kept so that files shipped before keep
 * their event ids.
 */
export function legacyFingerprintLength(head: Buffer): number {
  const nl = head.indexOf(0x0a);
  if (nl !== -1 && nl < FINGERPRINT_BYTES) return nl + 1;
  return head.length >= FINGERPRINT_BYTES ? FINGERPRINT_BYTES : 0;
}

/**
 * An identity for content whose own is taken: a distinct file whose first
 * KiB equals another's, or a file rewritten from its start with the same
 * first KiB (its old documents must not be overwritten). Never derived
 * again: the registry remembers it.
 */
export function derivedIdentity(content: string, salt: string): string {
  return createHash('sha256').update(content).update('\0').update(salt).digest('hex').slice(0, 32);
}
