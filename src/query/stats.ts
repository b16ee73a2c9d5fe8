import type { estypes } from '@elastic/elasticsearch';
import { EVENTS_ALIAS } from '../elasticsearch.js';
import { type Clause, type CommonFilters, commonClauses, exists, term, terms, timeRange } from './filters.js';

/**
 * `sealtrail stats`: how long each sealing phase takes, from the
 * task-finished events that carry event.duration (nanoseconds).
 * Percentiles are Elasticsearch's t-digest estimates: exact for small sets
 * up to interpolation between neighbouring values.
 */
// issue 10: `plan`, the damocles sealing thread's plan (a rebuild's PC1 apart from a sealer's).
export type StatsBy = 'host' | 'miner' | 'plan';
export const STATS_BY: Record<StatsBy, string> = { host: 'host.name', miner: 'filecoin.miner.id', plan: 'filecoin.task.plan' };

export interface StatsOptions extends CommonFilters {
  sinceMs?: number | undefined;
  /** filecoin.task.type values (PC1, PC2, …). */
  tasks?: string[] | undefined;
  by?: StatsBy | undefined;
}

export const PERCENTS = [50, 90, 99] as const;

/** Sealing order; task types not listed follow alphabetically. */
export const TASK_ORDER = ['AP', 'PC1', 'PC2', 'C1', 'C2', 'FIN', 'GET', 'MOV', 'RU', 'PR1', 'PR2', 'GSK', 'RD', 'UNS', 'DC'];

export function statsQuery(o: StatsOptions): Clause {
  const filter: Clause[] = [term('event.action', 'task-finished'), exists('event.duration'), ...commonClauses(o), ...timeRange('@timestamp', o.sinceMs)];
  if (o.tasks && o.tasks.length > 0) filter.push(terms('filecoin.task.type', o.tasks));
  return { bool: { filter } };
}

const METRICS: Record<string, estypes.AggregationsAggregationContainer> = {
  duration: { percentiles: { field: 'event.duration', percents: [...PERCENTS], keyed: true } },
  max_duration: { max: { field: 'event.duration' } },
};

export function buildStatsRequest(o: StatsOptions): estypes.SearchRequest {
  const perTask = o.by ? { group: { terms: { field: STATS_BY[o.by], size: 1000 }, aggs: METRICS } } : METRICS;
  return {
    index: EVENTS_ALIAS,
    size: 0,
    query: statsQuery(o),
    aggs: { tasks: { terms: { field: 'filecoin.task.type', size: 100 }, aggs: perTask } },
  };
}

export interface StatsRow {
  task_type: string;
  host?: string;
  miner?: number;
  plan?: string;
  count: number;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

const ms = (ns: unknown): number | null => (typeof ns === 'number' && Number.isFinite(ns) ? Math.round(ns / 1e3) / 1e3 : null);

function taskRank(t: string): number {
  const i = TASK_ORDER.indexOf(t);
  return i < 0 ? TASK_ORDER.length : i;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function metricsRow(b: any): Omit<StatsRow, 'task_type'> {
  const v = b.duration?.values ?? {};
  return {
    count: b.doc_count,
    p50_ms: ms(v['50.0']),
    p90_ms: ms(v['90.0']),
    p99_ms: ms(v['99.0']),
    max_ms: ms(b.max_duration?.value),
  };
}

/** Rows in sealing order (AP, PC1, PC2, C1, C2, FIN, …), and by host/miner within a task type. */
export function statsRows(res: estypes.SearchResponse<unknown>, by?: StatsBy): StatsRow[] {
  const rows: StatsRow[] = [];
  for (const t of (res.aggregations as any)?.tasks?.buckets ?? []) {
    const task = String(t.key);
    if (!by) {
      rows.push({ task_type: task, ...metricsRow(t) });
      continue;
    }
    const groups = [...(t.group?.buckets ?? [])].sort((a: any, b: any) => String(a.key).localeCompare(String(b.key), undefined, { numeric: true }));
    for (const g of groups) {
      const key = by === 'host' ? { host: String(g.key) } : by === 'plan' ? { plan: String(g.key) } : { miner: Number(g.key) };
      rows.push({ task_type: task, ...key, ...metricsRow(g) });
    }
  }
  return rows.sort((a, b) => taskRank(a.task_type) - taskRank(b.task_type) || a.task_type.localeCompare(b.task_type));
}
