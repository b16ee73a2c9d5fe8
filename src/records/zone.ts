import { IANAZone } from 'luxon';
import { usageError } from '../errors.js';

/** The machine's zone as the process sees it (honours `TZ`). */
export function machineZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const QUARTER_HOUR = 15 * 60 * 1000;

/**
 * Turns zone-less wall-clock times (rust-fil-proofs writes
 * `2020-06-27T19:21:33.205`) into instants in one IANA zone. luxon knows the
 * zone's rules but is slow per call, so offsets are cached per quarter hour
 * of UTC (zones change offset on quarter-hour boundaries at the finest).
 */
export class ZoneResolver {
  readonly name: string;
  private readonly zone: IANAZone | undefined;
  private readonly cache = new Map<number, number>();

  constructor(name: string) {
    if (name === 'UTC' || name === 'Etc/UTC' || name === 'Z') {
      this.name = 'UTC';
      this.zone = undefined;
      return;
    }
    if (!IANAZone.isValidZone(name)) {
      throw usageError(`unknown time zone "${name}"`, 'give an IANA name such as Asia/Shanghai or UTC');
    }
    this.name = name;
    this.zone = IANAZone.create(name);
  }

  /** Offset from UTC in minutes at an instant. */
  offsetAt(utcMs: number): number {
    if (!this.zone) return 0;
    const bucket = Math.floor(utcMs / QUARTER_HOUR);
    let offset = this.cache.get(bucket);
    if (offset === undefined) {
      offset = this.zone.offset(bucket * QUARTER_HOUR);
      if (this.cache.size > 4096) this.cache.clear();
      this.cache.set(bucket, offset);
    }
    return offset;
  }

  /**
   * The instant of a wall-clock time given as if it were UTC. In the hour a
   * DST change repeats, the earlier instant wins; a time in the hour it skips
   * cannot be real and is moved forward by the gap (02:30 → 03:30 EDT), as
   * luxon and java.time do.
   */
  toUtc(wallMs: number): number {
    if (!this.zone) return wallMs;
    const o1 = this.offsetAt(wallMs);
    let guess = wallMs - o1 * 60000;
    const o2 = this.offsetAt(guess);
    if (o1 === o2) return guess;
    guess -= (o2 - o1) * 60000;
    const o3 = this.offsetAt(guess);
    if (o2 === o3) return guess;
    return wallMs - Math.min(o2, o3) * 60000;
  }
}
