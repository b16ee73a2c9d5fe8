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

/**
 * The monthly index an event lands in: `sealtrail-events-2020.06`. Remembers
 * the current month's bounds, so consecutive events cost two comparisons.
 */
export class MonthlyIndex {
  private from = Infinity;
  private to = -Infinity;
  private name = '';

  constructor(private readonly base: string) {}

  nameFor(timeMs: number): string {
    if (timeMs < this.from || timeMs >= this.to) {
      const d = new Date(timeMs);
      const y = d.getUTCFullYear();
      const m = d.getUTCMonth();
      this.from = Date.UTC(y, m, 1);
      this.to = Date.UTC(y, m + 1, 1);
      this.name = `${this.base}-${y}.${m < 9 ? '0' : ''}${m + 1}`;
    }
    return this.name;
  }
}
