import { createHash } from 'node:crypto';
import type { StreamIdentity } from '../model.js';

/**
 * `event.id` = a prefix fixed per (host, file content fingerprint) + the
 * entry's byte offset. The same entry of the same file gets the same id
 * whoever reads it and however often, so re-shipping overwrites instead of
 * duplicating; no hashing happens per line.
 */
export function eventIdPrefix(host: string, stream: StreamIdentity): string {
  return createHash('sha256').update(host).update('\0').update(stream.fingerprint).digest('base64url').slice(0, 16) + '-';
}

export function eventId(prefix: string, offset: number): string {
  return prefix + offset.toString(36);
}

/** The monthly index an event lands in: `sealtrail-events-2020.06`. */
export function eventIndexName(base: string, timeMs: number): string {
  const d = new Date(timeMs);
  const m = d.getUTCMonth() + 1;
  return `${base}-${d.getUTCFullYear()}.${m < 10 ? '0' : ''}${m}`;
}
