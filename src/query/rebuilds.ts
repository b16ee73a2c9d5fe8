import type { estypes } from '@elastic/elasticsearch';
import { SECTORS_INDEX } from '../elasticsearch.js';
import { type Clause, type CommonFilters, commonClauses, exists, term, timeRange } from './filters.js';
import { toMillis } from './format.js';
import type { TimelineRow } from './timeline.js';

/**
 * issue 10: `sealtrail rebuilds`: damocles' sector rebuilds (the `rebuild`
 * plan) from the sectors index, like the operator's two
 * `damocles-manager util sealer sectors list --rebuild` commands: running
 * ones (`--sealing=false`) and finished ones (`--offline`), newest first.
 */
export interface RebuildsOptions extends CommonFilters {
  running: boolean;
  /** Only rebuilds started (or still running) since then. */
  sinceMs?: number | undefined;
  limit: number;
}

export function rebuildsQuery(o: RebuildsOptions): Clause {
  const filter: Clause[] = [exists('rebuild.result'), ...commonClauses(o)];
  if (o.running) filter.push(term('rebuild.result', 'running'));
  if (o.sinceMs !== undefined) filter.push(...timeRange('last_seen', o.sinceMs));
  return { bool: { filter } };
}

export function buildRebuildsRequest(o: RebuildsOptions): estypes.SearchRequest {
  return {
    index: SECTORS_INDEX,
    size: o.limit,
    track_total_hits: true,
    query: rebuildsQuery(o),
    sort: [{ 'rebuild.started': { order: 'desc', unmapped_type: 'date' } }, { 'filecoin.miner.id': { order: 'asc' } }, { 'filecoin.sector.number': { order: 'asc' } }],
    _source: ['filecoin', 'host.name', 'last_seen', 'rebuild'],
  };
}

export interface RebuildRow {
  miner: number | null;
  sector: number;
  /** The rebuild's state (damocles' word). */
  state: string | null;
  result: 'running' | 'finished' | 'aborted';
  started: string | null;
  finished: string | null;
  /** finished − started; for a running rebuild, now − started. */
  duration_ms: number | null;
  last_error: string | null;
  host: string | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function rebuildRows(res: estypes.SearchResponse<unknown>, nowMs: number): RebuildRow[] {
  return res.hits.hits.map((h) => {
    const s = h._source as any;
    const r = s.rebuild ?? {};
    const started = toMillis(r.started);
    const finished = toMillis(r.finished);
    const duration = typeof r.duration_ms === 'number' ? r.duration_ms : r.result === 'running' && started !== undefined ? nowMs - started : null;
    return {
      miner: typeof s.filecoin?.miner?.id === 'number' ? s.filecoin.miner.id : null,
      sector: s.filecoin?.sector?.number,
      state: r.state ?? null,
      result: r.result,
      started: started === undefined ? null : new Date(started).toISOString(),
      finished: finished === undefined ? null : new Date(finished).toISOString(),
      duration_ms: duration,
      last_error: r.last_error ?? null,
      host: s.host?.name ?? null,
    };
  });
}

/** issue 10: a rebuild as one sector's timeline shows it (`sealtrail sector`'s rebuild section). */
export interface TimelineRebuild {
  threads: string[];
  started: number | undefined;
  state: string | null;
  result: 'running' | 'finished' | 'aborted';
  ended: number | undefined;
  last_error: string | null;
  /** The rebuild's events other than `log`, oldest first. */
  rows: TimelineRow[];
}

/** The rebuild in a timeline's rows (those with `filecoin.task.plan: rebuild`), or undefined. */
export function timelineRebuild(all: TimelineRow[]): TimelineRebuild | undefined {
  const rows = all.filter((r) => r.task_plan === 'rebuild');
  if (rows.length === 0) return undefined;
  const out: TimelineRebuild = { threads: [], started: undefined, state: null, result: 'running', ended: undefined, last_error: null, rows: [] };
  for (const r of rows) {
    const t = toMillis(r.time);
    if (r.worker_thread && !out.threads.includes(r.worker_thread)) out.threads.push(r.worker_thread);
    // The allocation (Empty → Allocated) starts it; without one, the first rebuild event seen.
    if (out.started === undefined || (r.action === 'sector-state-changed' && r.state === 'Allocated')) out.started = t;
    if (r.state !== null && (r.action === 'sector-state-changed' || r.action === 'sector-observed' || r.state === 'Aborted')) {
      out.state = r.state;
      out.result = r.state === 'Finished' ? 'finished' : r.state === 'Aborted' ? 'aborted' : 'running';
      out.ended = out.result === 'running' ? undefined : t;
    }
    if (r.action === 'sector-error' || r.action === 'task-failed') out.last_error = r.error_message ?? r.message;
    if (r.action !== 'log') out.rows.push(r);
  }
  return out;
}
