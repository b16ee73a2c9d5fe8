import type { estypes } from '@elastic/elasticsearch';
import { EVENTS_ALIAS } from '../index-names.js';
import { usageError } from '../errors.js';
import { ACTIONS } from '../fields.js';
import { type Clause, type CommonFilters, exists, term, terms, timeRange } from './filters.js';
import { nanosToMillis, toMillis } from './format.js';

/**
 * `sealtrail sector ID`: every event of one sector, oldest first — what
 * `grep -a 16692481 sealer.log` gave the operator, across all hosts and files.
 */

export interface SectorRef {
  miner?: number;
  sector: number;
}

/**
 * `524`, `1005-524`, `f01005-524`, `t01005-524` and the file-name form
 * `s-t01005-524` all name a sector.
 */
export function parseSectorId(text: string): SectorRef {
  const t = text.trim();
  let m = /^\d+$/.exec(t);
  if (m) return checked({ sector: Number(t) }, text);
  m = /^(?:s-)?(?:[tf]0)?(\d+)-(\d+)$/.exec(t);
  if (m) return checked({ miner: Number(m[1]), sector: Number(m[2]) }, text);
  throw usageError(`"${text}" is not a sector`, 'give the sector number (524) or MINER-NUMBER (1005-524 or f01005-524)');
}

function checked(ref: SectorRef, text: string): SectorRef {
  if (!Number.isSafeInteger(ref.sector) || (ref.miner !== undefined && !Number.isSafeInteger(ref.miner))) {
    throw usageError(`"${text}" is not a sector`, 'the numbers are too large');
  }
  return ref;
}

export interface TimelineOptions extends CommonFilters {
  sector: number;
  /** Only these event.action values. */
  actions?: string[] | undefined;
  /** Leave out these event.action values (e.g. `log`). */
  excludeActions?: string[] | undefined;
  sinceMs?: number | undefined;
  limit: number;
  /**
   * Log streams (host + file) whose lines name this sector for other miners
   * only: their miner-less lines are someone else's sector (see streamsRequest).
   */
  otherMinersStreams?: LogStream[] | undefined;
}

export interface LogStream {
  host: string;
  path: string;
}

/** Checks names given to --actions against the contract's list. */
export function checkActions(list: string[], flag: string): string[] {
  for (const a of list) {
    if (!ACTIONS.has(a)) throw usageError(`--${flag}: unknown action "${a}"`, `actions: ${[...ACTIONS].join(', ')}`);
  }
  return list;
}

/** search_after needs a total order: time, then place in the file, then id. */
// unmapped_type: an index under the pattern that lacks a field (one a refused bulk created, one
// made by hand) must not fail the whole search.
export const TIMELINE_SORT: estypes.SortCombinations[] = [
  { '@timestamp': { order: 'asc', unmapped_type: 'date' } },
  { 'log.offset': { order: 'asc', unmapped_type: 'long' } },
  { 'event.id': { order: 'asc', unmapped_type: 'keyword' } },
];

const TIMELINE_SOURCE = [
  '@timestamp',
  'event.id',
  'event.action',
  'event.duration',
  'message',
  'log.level',
  'log.file.path',
  'log.offset',
  'host.name',
  'error.message',
  'error.code',
  'file.path',
  'filecoin.*',
];

export function timelineQuery(o: TimelineOptions): Clause {
  const filter: Clause[] = [term('filecoin.sector.number', o.sector)];
  if (o.miner !== undefined) {
    // Lines logged before the miner was named (lotus-force's NewSectorInfo)
    // and worker logs that never name it carry no miner: they belong to this
    // sector's story too, unless their stream names the sector for other
    // miners only.
    const notOthers = (o.otherMinersStreams ?? []).map((s) => ({ bool: { filter: [term('host.name', s.host), term('log.file.path', s.path)] } }));
    const minerless: Clause = { bool: { must_not: [exists('filecoin.miner.id'), ...notOthers] } };
    filter.push({ bool: { should: [term('filecoin.miner.id', o.miner), minerless], minimum_should_match: 1 } });
  }
  if (o.host !== undefined) filter.push(term('host.name', o.host));
  if (o.actions !== undefined && o.actions.length > 0) filter.push(terms('event.action', o.actions));
  filter.push(...timeRange('@timestamp', o.sinceMs));
  const mustNot = o.excludeActions && o.excludeActions.length > 0 ? [terms('event.action', o.excludeActions)] : [];
  return { bool: { filter, ...(mustNot.length ? { must_not: mustNot } : {}) } };
}

/**
 * One page of the timeline. The first page also counts the hits and the
 * miners the sector number occurs in (sector numbers repeat across miners).
 */
export function buildTimelineRequest(o: TimelineOptions, pageSize: number, searchAfter?: estypes.SortResults): estypes.SearchRequest {
  const first = searchAfter === undefined;
  return {
    index: EVENTS_ALIAS,
    size: pageSize,
    query: timelineQuery(o),
    sort: TIMELINE_SORT,
    _source: TIMELINE_SOURCE,
    track_total_hits: first,
    ...(first
      ? { aggs: { miners: { terms: { field: 'filecoin.miner.id', size: 50 } }, no_miner: { missing: { field: 'filecoin.miner.id' } } } }
      : { search_after: searchAfter }),
  };
}

/**
 * Which miners each log stream (host + file) names for this sector number:
 * asked first when a miner is given, so that the miner-less lines of a stream
 * that belongs to another miner's sector of the same number stay out.
 */
export function buildStreamsRequest(sector: number): estypes.SearchRequest {
  return {
    index: EVENTS_ALIAS,
    size: 0,
    query: { bool: { filter: [term('filecoin.sector.number', sector), exists('filecoin.miner.id')] } },
    aggs: {
      hosts: {
        terms: { field: 'host.name', size: 1000 },
        aggs: { paths: { terms: { field: 'log.file.path', size: 1000 }, aggs: { miners: { terms: { field: 'filecoin.miner.id', size: 100 } } } } },
      },
    },
  };
}

/** The streams that name the sector only for miners other than `miner`. */
export function otherMinersStreams(res: estypes.SearchResponse<unknown>, miner: number): LogStream[] {
  const out: LogStream[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  for (const h of (res.aggregations as any)?.hosts?.buckets ?? []) {
    for (const p of h.paths?.buckets ?? []) {
      const miners: number[] = (p.miners?.buckets ?? []).map((b: { key: number }) => Number(b.key));
      if (miners.length > 0 && !miners.includes(miner)) out.push({ host: String(h.key), path: String(p.key) });
    }
  }
  return out;
}

export interface TimelineRow {
  time: string;
  miner: number | null;
  sector: number | null;
  host: string | null;
  action: string | null;
  state: string | null;
  previous_state: string | null;
  task_type: string | null;
  task_name: string | null;
  /** issue 10: the sealing thread's plan (damocles: sealer, snapup, rebuild, …) and the thread. */
  task_plan?: string | null;
  worker_thread?: string | null;
  /** event.duration in milliseconds: for a state change, the time spent in the previous state. */
  duration_ms: number | null;
  level: string | null;
  message: string | null;
  error_message: string | null;
  error_code: string | null;
  file_path: string | null;
  event_id: string | null;
  log_file: string | null;
  log_offset: number | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const str = (v: any): string | null => (typeof v === 'string' ? v : null);
const num = (v: any): number | null => (typeof v === 'number' ? v : null);

export function hitToTimelineRow(src: any): TimelineRow {
  const fc = src.filecoin ?? {};
  return {
    time: new Date(toMillis(src['@timestamp']) ?? NaN).toISOString(),
    miner: num(fc.miner?.id),
    sector: num(fc.sector?.number),
    host: str(src.host?.name),
    action: str(src.event?.action),
    state: str(fc.sector?.state),
    previous_state: str(fc.sector?.previous_state),
    task_type: str(fc.task?.type),
    task_name: str(fc.task?.name),
    task_plan: str(fc.task?.plan),
    worker_thread: str(fc.worker?.thread),
    duration_ms: nanosToMillis(num(src.event?.duration)),
    level: str(src.log?.level),
    message: str(src.message),
    error_message: str(src.error?.message),
    error_code: str(src.error?.code),
    file_path: str(src.file?.path),
    event_id: str(src.event?.id),
    log_file: str(src.log?.file?.path),
    log_offset: num(src.log?.offset),
  };
}

export interface Timeline {
  rows: TimelineRow[];
  /** Events matching (may exceed rows.length when --limit cut it). */
  total: number;
  /** The miners this sector number occurs in, among the matching events. */
  miners: number[];
  /** Matching events that name no miner. */
  withoutMiner: number;
}

export type SearchFn = (req: estypes.SearchRequest) => Promise<estypes.SearchResponse<unknown>>;

/** Pages through the timeline with search_after until `limit` rows or the end. */
export async function fetchTimeline(search: SearchFn, opts: TimelineOptions, pageSize = 500): Promise<Timeline> {
  let o = opts;
  if (o.miner !== undefined && o.otherMinersStreams === undefined) {
    o = { ...o, otherMinersStreams: otherMinersStreams(await search(buildStreamsRequest(o.sector)), o.miner) };
  }
  const rows: TimelineRow[] = [];
  let total = 0;
  let miners: number[] = [];
  let withoutMiner = 0;
  let after: estypes.SortResults | undefined;
  for (;;) {
    const size = Math.min(pageSize, o.limit - rows.length);
    if (size <= 0) break;
    const res = await search(buildTimelineRequest(o, size, after));
    if (after === undefined) {
      const t = res.hits.total;
      total = typeof t === 'number' ? t : (t?.value ?? 0);
      const aggs = res.aggregations as any;
      miners = (aggs?.miners?.buckets ?? []).map((b: any) => Number(b.key)).sort((a: number, b: number) => a - b);
      withoutMiner = aggs?.no_miner?.doc_count ?? 0;
    }
    const hits = res.hits.hits;
    for (const h of hits) rows.push(hitToTimelineRow(h._source));
    if (hits.length < size) break;
    after = hits[hits.length - 1]!.sort;
    if (after === undefined) break;
  }
  return { rows, total, miners, withoutMiner };
}
