import type { estypes } from '@elastic/elasticsearch';
import { EVENTS_ALIAS } from '../elasticsearch.js';
import { type Clause, type CommonFilters, commonClauses, term, terms, timeRange } from './filters.js';
import { summarizeError, toMillis } from './format.js';

/**
 * `sealtrail post-errors`: PoSt failures grouped by the storage server in the
 * failing path (filecoin.storage.host) and, with `--by path`, by the file.
 * The operators' story — the poster mounted the wrong NFS share and every
 * winning PoSt fails reading /mnt/nfs/10.10.13.22/… — is one row: the host,
 * how often, ENOENT, an example path.
 *
 * Sectors found faulty before a PoSt (`sector-faulty`, lotus' CheckProvable)
 * are counted too unless `--no-faults`: an unreadable file usually shows up
 * as both, and the faults name the files even when the PoSt error does not.
 */
export type PostErrorsBy = 'host' | 'path';

export interface PostErrorsOptions extends CommonFilters {
  sinceMs?: number | undefined;
  includeFaults: boolean;
  /** filecoin.post.type: winning or window. */
  postType?: string | undefined;
  /** filecoin.storage.host: one storage server. */
  storageHost?: string | undefined;
  by: PostErrorsBy;
  /** Largest number of groups returned. */
  size?: number | undefined;
}

export const DEFAULT_POST_ERRORS_SINCE_MS = 24 * 3_600_000;
/** The bucket of failures whose text names no storage host / file. */
export const NONE = '(none)';

export function postErrorsQuery(o: PostErrorsOptions): Clause {
  const filter: Clause[] = [
    o.includeFaults && o.postType === undefined ? terms('event.action', ['post-failed', 'sector-faulty']) : term('event.action', 'post-failed'),
    ...commonClauses(o),
    ...timeRange('@timestamp', o.sinceMs),
  ];
  if (o.postType !== undefined) filter.push(term('filecoin.post.type', o.postType));
  if (o.storageHost !== undefined) filter.push(term('filecoin.storage.host', o.storageHost));
  return { bool: { filter } };
}

const NEWEST_SOURCE = ['@timestamp', 'event.action', 'error.message', 'error.code', 'message', 'file.path', 'filecoin.miner.id', 'filecoin.sector.number', 'filecoin.post.type', 'host.name'];

function groupMetrics(withPaths: boolean): Record<string, estypes.AggregationsAggregationContainer> {
  return {
    last_seen: { max: { field: '@timestamp' } },
    first_seen: { min: { field: '@timestamp' } },
    ...(withPaths ? { paths: { cardinality: { field: 'file.path' } } } : {}),
    codes: { terms: { field: 'error.code', size: 10 } },
    post_types: { terms: { field: 'filecoin.post.type', size: 5 } },
    actions: { terms: { field: 'event.action', size: 5 } },
    reporters: { terms: { field: 'host.name', size: 10 } },
    newest: { top_hits: { size: 1, sort: [{ '@timestamp': { order: 'desc' } }], _source: NEWEST_SOURCE } },
  };
}

export function buildPostErrorsRequest(o: PostErrorsOptions): estypes.SearchRequest {
  const size = o.size ?? 100;
  const byPath: estypes.AggregationsAggregationContainer = {
    terms: { field: 'file.path', size: 1000, missing: NONE, order: { last_seen: 'desc' } },
    aggs: groupMetrics(false),
  };
  return {
    index: EVENTS_ALIAS,
    size: 0,
    track_total_hits: true,
    query: postErrorsQuery(o),
    aggs: {
      hosts: {
        terms: { field: 'filecoin.storage.host', size, missing: NONE, order: { last_seen: 'desc' } },
        aggs: { ...groupMetrics(o.by === 'host'), ...(o.by === 'path' ? { files: byPath } : {}) },
      },
    },
  };
}

export interface PostErrorRow {
  /** filecoin.storage.host, null when the failures name none. */
  storage_host: string | null;
  /** file.path (with --by path). */
  path?: string | null;
  count: number;
  /** Distinct failing files (with --by host). */
  paths?: number;
  error_codes: string[];
  /** winning / window, and `fault` for sector-faulty. */
  kinds: string[];
  reported_by: string[];
  first_seen: string | null;
  last_seen: string | null;
  /** The newest failure's file (with --by host) and sector (MINER-NUMBER). */
  example_path?: string | null;
  sector: string | null;
  /** The newest failure's error, without its stack. */
  error: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const keys = (agg: any): string[] => (agg?.buckets ?? []).map((b: any) => String(b.key));
const iso = (v: unknown): string | null => {
  const ms = typeof v === 'number' ? v : toMillis(v);
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
};
const orNull = (k: unknown): string | null => (k === NONE || k === undefined || k === null ? null : String(k));

function groupRow(b: any): Omit<PostErrorRow, 'storage_host'> {
  const newest = b.newest?.hits?.hits?.[0]?._source ?? {};
  const kinds = keys(b.post_types);
  if (keys(b.actions).includes('sector-faulty')) kinds.push('fault');
  const miner = newest.filecoin?.miner?.id;
  const sector = newest.filecoin?.sector?.number;
  return {
    count: b.doc_count,
    error_codes: keys(b.codes),
    kinds,
    reported_by: keys(b.reporters),
    first_seen: iso(b.first_seen?.value),
    last_seen: iso(b.last_seen?.value),
    sector: sector === undefined ? null : miner === undefined ? String(sector) : `${miner}-${sector}`,
    error: summarizeError(newest.error?.message ?? newest.message),
    ...(b.paths ? { paths: b.paths.value, example_path: newest.file?.path ?? null } : {}),
  };
}

/** One row per storage host (or per host and file with --by path), newest failure first. */
export function postErrorsRows(res: estypes.SearchResponse<unknown>, by: PostErrorsBy): PostErrorRow[] {
  const rows: PostErrorRow[] = [];
  for (const h of (res.aggregations as any)?.hosts?.buckets ?? []) {
    if (by === 'host') {
      rows.push({ storage_host: orNull(h.key), ...groupRow(h) });
    } else {
      for (const f of h.files?.buckets ?? []) rows.push({ storage_host: orNull(h.key), path: orNull(f.key), ...groupRow(f) });
    }
  }
  return rows.sort((a, b) => (b.last_seen ?? '').localeCompare(a.last_seen ?? '') || b.count - a.count);
}
