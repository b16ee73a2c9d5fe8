import { usageError } from '../errors.js';
import { esUrl } from '../elasticsearch.js';
import { defaultZone, machineZone } from '../records/zone.js';
import { minerNumber } from '../values.js';
import { checkZone, parseDuration } from './format.js';

/** The options every query command takes, for parseArgs. */
export const COMMON_OPTIONS = {
  es: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  timezone: { type: 'string' },
  miner: { type: 'string' },
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const COMMON_HELP = `  --miner ID          only this miner (f01234, t01234 or 1234)
  --host NAME         only this host (host.name: the machine the log came from)
  --timezone IANA     zone for times in the table (default: the machine's, ${machineZone()})
  --json              print a JSON array of objects instead of the table
  --es URL            an Elasticsearch node, repeatable for a cluster's nodes
                      (default: $ES_URL, comma-separated allowed, then http://127.0.0.1:9200)
  -h, --help          this help`;

export interface CommonValues {
  es?: string | string[] | undefined;
  timezone?: string | undefined;
  miner?: string | undefined;
  host?: string | undefined;
}

export interface Common {
  url: string;
  zone: string;
  miner: number | undefined;
  host: string | undefined;
}

export function resolveCommon(v: CommonValues): Common {
  let miner: number | undefined;
  if (v.miner !== undefined) {
    miner = minerNumber(v.miner);
    if (miner === undefined) throw usageError(`--miner "${v.miner}" is not a miner id`, 'give f01234, t01234 or 1234');
  }
  if (v.host !== undefined && v.host.trim() === '') throw usageError('--host is empty');
  return { url: esUrl(v.es), zone: v.timezone !== undefined ? checkZone(v.timezone) : defaultZone(), miner, host: v.host };
}

/** `--since 6h` → the instant 6 h before now (undefined when not given). */
export function sinceFrom(text: string | undefined, nowMs: number, flag = 'since'): number | undefined {
  return text === undefined ? undefined : nowMs - parseDuration(text, flag);
}

export function positiveInt(flag: string, text: string | undefined, fallback: number, max = 1_000_000): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw usageError(`--${flag} "${text}" is not a positive whole number`);
  if (n > max) throw usageError(`--${flag} ${text} is too large`, `at most ${max}`);
  return n;
}
