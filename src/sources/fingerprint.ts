import { createHash } from 'node:crypto';

export const FINGERPRINT_BYTES = 1024;

/**
 * A file's identity from its content: the hash of its first line (or first
 * KiB when the first line is longer). It survives rename and copy, and
 * differs across files because a log's first line carries a timestamp.
 * Undefined while the file is too short to tell; `atEnd` accepts what there is.
 */
export function fingerprintOf(head: Buffer, atEnd = false): string | undefined {
  const nl = head.indexOf(0x0a);
  let n: number;
  if (nl !== -1 && nl < FINGERPRINT_BYTES) n = nl + 1;
  else if (head.length >= FINGERPRINT_BYTES) n = FINGERPRINT_BYTES;
  else if (atEnd && head.length > 0) n = head.length;
  else return undefined;
  return createHash('sha256').update(head.subarray(0, n)).digest('hex').slice(0, 32);
}
