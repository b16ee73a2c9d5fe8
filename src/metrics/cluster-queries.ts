import type { estypes } from '@elastic/elasticsearch';
import { EVENTS_ALIAS, SECTORS_INDEX } from '../elasticsearch.js';
import { NONE, postErrorsQuery } from '../query/post-errors.js';
import { STATES_AGG_SIZE, statesQuery } from '../query/states.js';
import { stuckQuery } from '../query/stuck.js';

/**
 * The exporter's two searches, each one aggregation request (no documents
 * come back to Node), built from the same queries as `states`, `stuck` and
 * `post-errors`:
 *
 * - the sectors index: sectors per state and miner (`states`), those whose
 *   state is older than `--older` (`stuck`), and per waiting state the oldest
 *   `state_since` (`stuck --older 0`: terminal states excluded);
 * - the events: PoSt failures of the last 15 minutes per storage host and
 *   PoSt type (`post-errors --since 15m --no-faults`).
 */
export const RECENT_MS = 15 * 60_000;
const MINERS = 100;

export interface ClusterGaugeValues {
  /** [state, miner, sectors] */
  sectors: [string, string, number][];
  stuck: [string, string, number][];
  /** [state, seconds] */
  oldestAge: [string, number][];
  /** [type, storage_host, failures] */
  postFailures: [string, string, number][];
}

const byStateAndMiner = (): Record<string, estypes.AggregationsAggregationContainer> => ({
  states: { terms: { field: 'filecoin.sector.state', size: STATES_AGG_SIZE }, aggs: { miners: { terms: { field: 'filecoin.miner.id', size: MINERS } } } },
});

export function buildSectorsRequest(nowMs: number, olderMs: number): estypes.SearchRequest {
  return {
    index: SECTORS_INDEX,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: 0,
    query: statesQuery({}),
    aggs: {
      ...byStateAndMiner(),
      stuck: { filter: stuckQuery({ olderMs, nowMs, limit: 0 }), aggs: byStateAndMiner() },
      waiting: {
        filter: stuckQuery({ olderMs: 0, nowMs, limit: 0 }),
        aggs: { states: { terms: { field: 'filecoin.sector.state', size: STATES_AGG_SIZE }, aggs: { oldest: { min: { field: 'filecoin.sector.state_since' } } } } },
      },
    },
  };
}

export function buildPostFailuresRequest(nowMs: number): estypes.SearchRequest {
  return {
    index: EVENTS_ALIAS,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: 0,
    query: postErrorsQuery({ sinceMs: nowMs - RECENT_MS, includeFaults: false, by: 'host' }),
    aggs: {
      hosts: {
        terms: { field: 'filecoin.storage.host', size: 100, missing: NONE },
        aggs: { types: { terms: { field: 'filecoin.post.type', size: 5, missing: 'unknown' } } },
      },
    },
  };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Bucket {
  key: string | number;
  doc_count: number;
  [sub: string]: any;
}
const buckets = (agg: any): Bucket[] => agg?.buckets ?? [];

function stateMinerRows(agg: any): [string, string, number][] {
  const rows: [string, string, number][] = [];
  for (const s of buckets(agg?.states)) {
    let named = 0;
    for (const m of buckets(s.miners)) {
      rows.push([String(s.key), String(m.key), m.doc_count]);
      named += m.doc_count;
    }
    const other = s.miners?.sum_other_doc_count ?? 0;
    if (other > 0) rows.push([String(s.key), 'other', other]);
    // Sectors no line tied to a miner (`unknown-NUMBER` documents).
    if (s.doc_count - named - other > 0) rows.push([String(s.key), 'unknown', s.doc_count - named - other]);
  }
  const beyond = agg?.states?.sum_other_doc_count ?? 0;
  if (beyond > 0) rows.push(['other', 'other', beyond]);
  return rows;
}

export function clusterValues(sectors: estypes.SearchResponse<unknown>, failures: estypes.SearchResponse<unknown>, nowMs: number): ClusterGaugeValues {
  const a = sectors.aggregations as any;
  const oldestAge: [string, number][] = [];
  for (const s of buckets(a?.waiting?.states)) {
    const since = s.oldest?.value;
    if (typeof since === 'number' && Number.isFinite(since)) oldestAge.push([String(s.key), Math.max(0, (nowMs - since) / 1000)]);
  }
  const postFailures: [string, string, number][] = [];
  for (const h of buckets((failures.aggregations as any)?.hosts)) {
    const host = h.key === NONE ? 'none' : String(h.key);
    for (const t of buckets(h.types)) postFailures.push([String(t.key), host, t.doc_count]);
  }
  return { sectors: stateMinerRows(a), stuck: stateMinerRows(a?.stuck), oldestAge, postFailures };
}
