import { DateTime } from 'luxon';
import { usageError } from '../errors.js';

export { checkZone } from '../records/zone.js';

/**
 * Small, pure helpers shared by the query commands: parsing the operator's
 * durations and ids, and turning numbers and texts into what a table shows.
 */

const MAX_DURATION_MS = 36_500 * 86_400_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `30m`, `6h`, `7d`, `1h30m`, `90s`, `2w` → milliseconds. A bare number is
 * refused (minutes or hours? the operator must say).
 */
export function parseDuration(text: string, flag: string): number {
  const t = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (t === '' || pos !== t.length || total <= 0) {
    throw usageError(`--${flag} "${text}" is not a duration`, 'e.g. 30m, 6h, 7d or 1h30m');
  }
  // Further back than dates Elasticsearch can compute with ("now" minus it), and than any log.
  if (total > MAX_DURATION_MS) throw usageError(`--${flag} "${text}" is longer than 100 years`, 'e.g. 30m, 6h, 7d or 1h30m');
  return Math.round(total);
}

/** `2020-06-23 12:02:39.807 +08:00`: wall clock in the zone, with its offset so nobody has to guess. */
export function formatTime(ms: number | undefined, zone: string, withMillis = true): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  return DateTime.fromMillis(ms, { zone }).toFormat(withMillis ? 'yyyy-LL-dd HH:mm:ss.SSS ZZ' : 'yyyy-LL-dd HH:mm:ss ZZ');
}

/** ISO 8601 in UTC with milliseconds (what --json prints). */
export function isoTime(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

/** An ES date (string or epoch millis) → epoch millis. */
export function toMillis(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function trimFixed(n: number, digits: number): string {
  return n.toFixed(digits).replace(/\.?0+$/, '');
}

/**
 * Go-like durations from milliseconds: `850ms`, `2.02s`, `9m30.02s`,
 * `3h45m0s`, `2d4h10m` (days added: stuck sectors are old).
 */
export function formatMillis(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '-';
  if (ms < 0) return '-' + formatMillis(-ms);
  if (ms === 0) return '0s';
  if (ms < 1) return `${trimFixed(ms * 1000, 0)}µs`;
  if (ms < 1000 && Math.round(ms * 100) < 100_000) return `${trimFixed(ms, 2)}ms`;
  // Round to centiseconds first so 59.999s never prints as "60s".
  const cs = Math.round(ms / 10);
  if (cs < 6000) return `${trimFixed(cs / 100, 2)}s`;
  if (cs < 360_000) {
    const m = Math.floor(cs / 6000);
    return `${m}m${trimFixed((cs - m * 6000) / 100, 2)}s`;
  }
  const s = Math.round(ms / 1000);
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return `${h}h${m}m${s % 60}s`;
  }
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${d}d${h}h${m}m`;
}

/** event.duration is nanoseconds. */
export function formatNanos(ns: number | undefined | null): string {
  return ns === undefined || ns === null ? '-' : formatMillis(ns / 1e6);
}

/** Nanoseconds → milliseconds for --json, to the microsecond. */
export function nanosToMillis(ns: number | undefined | null): number | null {
  if (ns === undefined || ns === null || !Number.isFinite(ns)) return null;
  return Math.round(ns / 1000) / 1000;
}

/** Any text on one line: runs of white space (newlines, tabs) become one space. */
export function oneLine(text: string | undefined | null): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

// A line of a Go or Rust stack: a function (`github.com/x/y.(*T).f`) or a place (`/builds/…/miner.go:343`).
const FRAME_PLACE = /^\S+\.(?:go|rs|c|cpp|h):\d+(?::\d+)?$/;
const FRAME_FUNC = /^(?:[\w.-]+\/)+[\w.-]*\.(?:\(\*?[\w]+\)\.)?[\w.]+(?:\(.*\))?$/;
const RUST_FRAME = /^\d+:\s+\S+$|^at \S+:\d+(?::\d+)?$/;

/**
 * An error message without its stack: the lines that say what went wrong,
 * joined on one line, e.g. `failed to compute winning post proof: could not
 * read from path="/mnt/nfs/10.10.13.22/cache/s-t01005-524/p_aux" Caused by:
 * No such file or directory (os error 2)`.
 */
export function summarizeError(text: string | undefined | null): string {
  if (!text) return '';
  const kept: string[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line === '' || FRAME_PLACE.test(line) || FRAME_FUNC.test(line) || RUST_FRAME.test(line)) continue;
    if (line.startsWith('- ')) line = line.slice(2);
    kept.push(line);
  }
  return oneLine(kept.join(' '));
}
