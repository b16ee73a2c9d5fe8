import type { estypes } from '@elastic/elasticsearch';
import { EVENTS_ALIAS } from '../elasticsearch.js';
import { term } from './filters.js';
import { type StatsOptions, type StatsRow, statsQuery } from './stats.js';

/**
 * `sealtrail stats --dist`: how the task-finished durations of each task
 * type spread, as BINS equal buckets from 0 to that type's max (asked after
 * the stats, which give the max): one histogram aggregation per task type.
 */
export const BINS = 20;

export function buildDistributionRequest(o: StatsOptions, rows: StatsRow[]): estypes.SearchRequest | null {
  const aggs: Record<string, estypes.AggregationsAggregationContainer> = {};
  rows.forEach((r, i) => {
    if (r.max_ms === null || r.max_ms <= 0) return;
    const maxNs = r.max_ms * 1e6;
    aggs[`t${i}`] = {
      filter: term('filecoin.task.type', r.task_type),
      aggs: { h: { histogram: { field: 'event.duration', interval: maxNs / BINS, min_doc_count: 0, extended_bounds: { min: 0, max: maxNs } } } },
    };
  });
  if (Object.keys(aggs).length === 0) return null;
  return { index: EVENTS_ALIAS, size: 0, query: statsQuery(o), aggs };
}

/** Per task type, BINS counts (the max itself falls in the last bin). */
export function distributions(res: estypes.SearchResponse<unknown>, rows: StatsRow[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const aggs = res.aggregations as any;
  rows.forEach((r, i) => {
    const buckets: { doc_count: number }[] = aggs?.[`t${i}`]?.h?.buckets ?? [];
    if (buckets.length === 0) return;
    const bins = new Array<number>(BINS).fill(0);
    buckets.forEach((b, j) => (bins[Math.min(BINS - 1, j)]! += b.doc_count));
    out.set(r.task_type, bins);
  });
  return out;
}
