import { realpathSync } from 'node:fs';
import { IANAZone } from 'luxon';
import { usageError } from '../errors.js';

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Z', 'GMT', 'Etc/GMT', 'UCT', 'Etc/UCT', 'Universal', 'Etc/Universal', 'Zulu', 'Etc/Zulu']);

/**
 * Abbreviations mean different zones to different operators (CST is +08:00
 * to a Chinese operator, -06:00 to ICU), and ICU's legacy aliases pick one
 * silently, some without DST (EST is America/Panama). They are refused, with
 * the IANA names they may stand for.
 */
const ABBREVIATIONS: Record<string, string[]> = {
  CST: ['Asia/Shanghai', 'America/Chicago', 'America/Havana'],
  CDT: ['America/Chicago'],
  CTT: ['Asia/Shanghai'],
  IST: ['Asia/Kolkata', 'Asia/Jerusalem', 'Europe/Dublin'],
  EST: ['America/New_York', 'Australia/Sydney'],
  EDT: ['America/New_York'],
  MST: ['America/Denver', 'America/Phoenix'],
  MDT: ['America/Denver'],
  PST: ['America/Los_Angeles', 'Asia/Manila'],
  PDT: ['America/Los_Angeles'],
  HST: ['Pacific/Honolulu'],
  AST: ['Asia/Riyadh', 'America/Halifax'],
  BST: ['Europe/London', 'Asia/Dhaka'],
  JST: ['Asia/Tokyo'],
  KST: ['Asia/Seoul'],
  HKT: ['Asia/Hong_Kong'],
  SGT: ['Asia/Singapore'],
  SST: ['Asia/Singapore', 'Pacific/Pago_Pago'],
  CET: ['Europe/Berlin', 'Europe/Paris'],
  CEST: ['Europe/Berlin', 'Europe/Paris'],
  EET: ['Europe/Helsinki', 'Europe/Kyiv'],
  EEST: ['Europe/Helsinki', 'Europe/Kyiv'],
  WET: ['Europe/Lisbon'],
  MSK: ['Europe/Moscow'],
  AEST: ['Australia/Sydney', 'Australia/Brisbane'],
  AEDT: ['Australia/Sydney'],
  ACST: ['Australia/Adelaide'],
  AWST: ['Australia/Perth'],
  NZST: ['Pacific/Auckland'],
};
// Upper-case names IANA keeps that stand for one zone only.
const UNAMBIGUOUS = new Set(['PRC', 'ROC', 'ROK', 'NZ', 'GB']);

/** Why a zone name cannot be used (message and hint), or undefined when it can. */
export function zoneProblem(name: string): { message: string; hint: string } | undefined {
  if (UTC_NAMES.has(name)) return undefined;
  const upper = name.toUpperCase();
  const abbreviation = /^[A-Za-z]{2,5}$/.test(name) && (name === upper || name === name.toLowerCase()) && !UNAMBIGUOUS.has(upper);
  if (abbreviation) {
    const candidates = ABBREVIATIONS[upper];
    return {
      message: `time zone "${name}" is an abbreviation, which different places read differently`,
      hint: candidates ? `give an IANA name: ${candidates.join(' or ')}` : 'give an IANA name such as Asia/Shanghai, or UTC',
    };
  }
  if (!IANAZone.isValidZone(name)) return { message: `unknown time zone "${name}"`, hint: 'give an IANA name such as Asia/Shanghai or UTC' };
  return undefined;
}

/** A zone from the command line: its name (UTC for UTC's aliases), or a usage error. */
export function checkZone(name: string, flag = '--timezone'): string {
  const p = zoneProblem(name);
  if (p) throw usageError(`${flag}: ${p.message}`, p.hint);
  return UTC_NAMES.has(name) ? 'UTC' : name;
}

/**
 * The machine's zone as the process sees it (honours `TZ`), for help texts.
 * Commands take `defaultZone()`, which also says when `TZ` is unusable.
 */
export function machineZone(): string {
  const resolved = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (resolved && resolved !== 'Etc/Unknown' && IANAZone.isValidZone(resolved)) return resolved;
  return fromTzPath(process.env.TZ) ?? 'UTC';
}

// TZ=:/etc/localtime or TZ=/usr/share/zoneinfo/Asia/Shanghai name a zone file, which ICU does not read.
function fromTzPath(tz: string | undefined): string | undefined {
  const path = tz?.replace(/^:/, '');
  if (!path?.startsWith('/')) return undefined;
  try {
    const m = /\/zoneinfo\/(.+)$/.exec(realpathSync(path));
    return m && IANAZone.isValidZone(m[1]!) ? m[1] : undefined;
  } catch {
    return undefined;
  }
}

let warned = false;

/**
 * The zone a command uses when none is given: the machine's. An invalid
 * `TZ` (ICU falls back to UTC without a word) is said once on stderr; an
 * ambiguous one (TZ=CST) is refused, as `--timezone CST` is.
 */
export function defaultZone(): string {
  const tz = process.env.TZ;
  const zone = machineZone();
  if (tz === undefined || tz === '') return zone;
  const given = tz.replace(/^:/, '');
  if (!given.startsWith('/')) {
    const p = zoneProblem(given);
    if (p && p.message.includes('abbreviation')) throw usageError(`TZ=${tz}: ${p.message}`, `${p.hint}, in TZ or --timezone`);
    if (p && !warned) {
      warned = true;
      process.stderr.write(`sealtrail: TZ=${tz} is not a time zone; using UTC (set TZ to an IANA name such as Asia/Shanghai, or give --timezone)\n`);
    }
  } else if (fromTzPath(tz) === undefined && zone === 'UTC' && !warned) {
    warned = true;
    process.stderr.write(`sealtrail: TZ=${tz} names no zone file; using UTC (set TZ to an IANA name such as Asia/Shanghai, or give --timezone)\n`);
  }
  return zone;
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
    this.name = checkZone(name);
    this.zone = this.name === 'UTC' ? undefined : IANAZone.create(name);
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
