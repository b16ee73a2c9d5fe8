import { createHash } from 'node:crypto';

export const FINGERPRINT_BYTES = 1024;

/**
 * How many of a file's first bytes its identity covers: its first line (or
 * first KiB when the first line is longer); 0 while the file is too short to
 * tell, unless `atEnd` accepts what there is.
 */
export function fingerprintLength(head: Buffer, atEnd = false): number {
  const nl = head.indexOf(0x0a);
  if (nl !== -1 && nl < FINGERPRINT_BYTES) return nl + 1;
  if (head.length >= FINGERPRINT_BYTES) return FINGERPRINT_BYTES;
  return atEnd ? head.length : 0;
}

/**
 * A file's identity from its content: the hash of those bytes. It survives
 * rename and copy, and differs across files because a log's first line
 * carries a timestamp. Undefined while the file is too short to tell.
 */
export function fingerprintOf(head: Buffer, atEnd = false): string | undefined {
  const n = fingerprintLength(head, atEnd);
  if (n === 0) return undefined;
  return createHash('sha256').update(head.subarray(0, n)).digest('hex').slice(0, 32);
}
