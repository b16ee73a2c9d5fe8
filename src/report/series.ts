import type { estypes } from '@elastic/elasticsearch';
import { EVENTS_ALIAS } from '../elasticsearch.js';
import { type Clause, type CommonFilters, commonClauses, term, timeRange } from '../query/filters.js';
import { NONE, postErrorsQuery } from '../query/post-errors.js';
import { toMillis } from '../query/format.js';

/**
 * The report's two series over time, as date histograms of at most BUCKETS
 * buckets of a round width (5m, 1h, 1d…) chosen from the range the events
 * span (a first request asks it: auto_date_histogram is not in every
 * Elasticsearch build): state changes split by the new state, and PoSt
 * failures (post-failed, the filter of `sealtrail post-errors --no-faults`)
 * split by the storage host in the failing path.
 */
export const BUCKETS = 48;

export interface SeriesOptions extends CommonFilters {
  sinceMs?: number | undefined;
}

export interface SeriesPoint {
  /** Bucket start and end, ISO. */
  start: string;
  end: string;
  /** The new state, or the storage host (null: the failure names none). */
  key: string | null;
  count: number;
}

export interface Series {
  query: Clause;
  field: string;
  missing?: string;
}

export function stateChangesSeries(o: SeriesOptions): Series {
  const filter: Clause[] = [term('event.action', 'sector-state-changed'), ...commonClauses(o), ...timeRange('@timestamp', o.sinceMs)];
  return { query: { bool: { filter } }, field: 'filecoin.sector.state' };
}

export function postFailuresSeries(o: SeriesOptions): Series {
  return { query: postErrorsQuery({ ...o, includeFaults: false, by: 'host' }), field: 'filecoin.storage.host', missing: NONE };
}

/** First: the time the events span. */
export function buildRangeRequest(s: Series): estypes.SearchRequest {
  return { index: EVENTS_ALIAS, size: 0, query: s.query, aggs: { first: { min: { field: '@timestamp' } }, last: { max: { field: '@timestamp' } } } };
}

const STEPS: [string, number][] = [
  ['1m', 60_000], ['5m', 300_000], ['10m', 600_000], ['30m', 1_800_000], ['1h', 3_600_000], ['3h', 10_800_000],
  ['6h', 21_600_000], ['12h', 43_200_000], ['1d', 86_400_000], ['7d', 604_800_000], ['30d', 2_592_000_000],
];

/** The narrowest round step that cuts [first, last] into at most BUCKETS buckets. */
export function pickStep(firstMs: number, lastMs: number): [string, number] {
  const span = Math.max(0, lastMs - firstMs);
  return STEPS.find(([, ms]) => span / ms < BUCKETS) ?? ['365d', 31_536_000_000];
}

/** The range response → the histogram request (null when there are no events). */
export function buildHistogramRequest(s: Series, range: estypes.SearchResponse<unknown>): { request: estypes.SearchRequest; stepMs: number } | null {
  const aggs = range.aggregations as Record<string, { value: number | null }> | undefined;
  const first = aggs?.first?.value;
  const last = aggs?.last?.value;
  if (typeof first !== 'number' || typeof last !== 'number') return null;
  const [step, stepMs] = pickStep(first, last);
  const request: estypes.SearchRequest = {
    index: EVENTS_ALIAS,
    size: 0,
    query: s.query,
    aggs: {
      t: {
        date_histogram: { field: '@timestamp', fixed_interval: step, min_doc_count: 1 },
        aggs: { k: { terms: { field: s.field, size: 50, ...(s.missing !== undefined ? { missing: s.missing } : {}) } } },
      },
    },
  };
  return { request, stepMs };
}

/** Both requests, one after the other. */
export async function fetchSeries(search: (r: estypes.SearchRequest) => Promise<estypes.SearchResponse<unknown>>, s: Series): Promise<SeriesPoint[]> {
  const h = buildHistogramRequest(s, await search(buildRangeRequest(s)));
  return h === null ? [] : seriesPoints(await search(h.request), h.stepMs);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** One point per bucket and key with a count; empty buckets are left out. */
export function seriesPoints(res: estypes.SearchResponse<unknown> | null, step: number): SeriesPoint[] {
  const buckets = (res?.aggregations as any)?.t?.buckets ?? [];
  const out: SeriesPoint[] = [];
  for (const b of buckets) {
    const start = toMillis(b.key) ?? NaN;
    for (const k of b.k?.buckets ?? []) {
      if (k.doc_count === 0) continue;
      out.push({
        start: new Date(start).toISOString(),
        end: new Date(start + step).toISOString(),
        key: k.key === NONE ? null : String(k.key),
        count: k.doc_count,
      });
    }
  }
  return out;
}
