import type { QueryClient } from '../query/es.js';
import type { CommonFilters } from '../query/filters.js';
import { type PostErrorRow, buildPostErrorsRequest, postErrorsRows } from '../query/post-errors.js';
import { type Span, timelineSpans } from '../query/segments.js';
import { type StateRow, buildStatesRequest, statesRows } from '../query/states.js';
import { type StatsRow, buildStatsRequest, statsRows } from '../query/stats.js';
import { type StuckRow, buildStuckRequest, stuckRows } from '../query/stuck.js';
import { type SectorRef, fetchTimeline } from '../query/timeline.js';
import { type SeriesPoint, fetchSeries, postFailuresSeries, stateChangesSeries } from './series.js';

/**
 * Everything the report shows, fetched with the query commands' own requests
 * (src/query/): `states`, `stats` and `stats --by host`, `stuck --older`,
 * `post-errors --no-faults`, `sector ID`, plus the two series over time.
 * Plain JSON: the page embeds it as is.
 */
export interface ReportOptions extends CommonFilters {
  sinceMs?: number | undefined;
  olderMs: number;
  sector?: SectorRef | undefined;
  nowMs: number;
}

export interface SectorData {
  name: string;
  spans: Span[];
  events: number;
}

export interface ReportData {
  generated: string;
  es: string;
  since: string | null;
  older_ms: number;
  states: StateRow[];
  stats: StatsRow[];
  stats_by_host: StatsRow[];
  state_changes: SeriesPoint[];
  post_failures: SeriesPoint[];
  post_errors: PostErrorRow[];
  stuck: StuckRow[];
  stuck_total: number;
  sector: SectorData | null;
}

export const STUCK_LIMIT = 200;

export async function fetchReportData(es: QueryClient, o: ReportOptions): Promise<ReportData> {
  const common: CommonFilters = { miner: o.miner, host: o.host };
  const since = { ...common, sinceMs: o.sinceMs };
  const stuckReq = buildStuckRequest({ ...common, olderMs: o.olderMs, limit: STUCK_LIMIT, nowMs: o.nowMs });
  const [states, stats, byHost, changes, failures, postErrors, stuck] = await Promise.all([
    es.search(buildStatesRequest(since)),
    es.search(buildStatsRequest(since)),
    es.search(buildStatsRequest({ ...since, by: 'host' })),
    fetchSeries((r) => es.search(r), stateChangesSeries(since)),
    fetchSeries((r) => es.search(r), postFailuresSeries(since)),
    es.search(buildPostErrorsRequest({ ...since, includeFaults: false, by: 'host' })),
    es.search(stuckReq),
  ]);
  let sector: SectorData | null = null;
  if (o.sector) {
    const miner = o.sector.miner ?? o.miner;
    const t = await fetchTimeline((req) => es.search(req), { sector: o.sector.sector, miner, host: o.host, sinceMs: o.sinceMs, excludeActions: ['log'], limit: 10_000 });
    sector = { name: miner === undefined ? String(o.sector.sector) : `${miner}-${o.sector.sector}`, spans: timelineSpans(t.rows, o.nowMs), events: t.rows.length };
  }
  const st = stuck.hits.total;
  return {
    generated: new Date(o.nowMs).toISOString(),
    es: es.url,
    since: o.sinceMs === undefined ? null : new Date(o.sinceMs).toISOString(),
    older_ms: o.olderMs,
    states: statesRows(states),
    stats: statsRows(stats),
    stats_by_host: statsRows(byHost, 'host'),
    state_changes: changes,
    post_failures: failures,
    post_errors: postErrorsRows(postErrors, 'host'),
    stuck: stuckRows(stuck, o.nowMs),
    stuck_total: typeof st === 'number' ? st : (st?.value ?? 0),
    sector,
  };
}
