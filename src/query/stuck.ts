import type { estypes } from '@elastic/elasticsearch';
import { SECTORS_INDEX } from '../elasticsearch.js';
import { type Clause, type CommonFilters, commonClauses, exists, terms, timeRange } from './filters.js';
import { toMillis } from './format.js';

/**
 * `sealtrail stuck`: sectors whose current state has not changed for longer
 * than --older, oldest first — the "56 sectors sit in PreCommitWait and the
 * sealer hands out no more tasks" story.
 */

/**
 * States a sector rests in for good: never "stuck" however old. Everything
 * else (PreCommitWait, WaitSeed, Committing, …Failed, FailedUnrecoverable,
 * Removing, Terminating…) is a sector someone should look at once it stops
 * moving. `--state` overrides this list.
 */
// Finished: where damocles' planners (sealer, rebuild, snapup) end a sector's job.
export const TERMINAL_STATES: readonly string[] = ['Proving', 'Available', 'Removed', 'Terminated', 'Finished'];

export const DEFAULT_OLDER_MS = 6 * 3_600_000;

export interface StuckOptions extends CommonFilters {
  olderMs: number;
  /** Only these states (then terminal ones count too, if named). */
  states?: string[] | undefined;
  limit: number;
  /** "now", fixed by the caller so the request is a pure function of its input. */
  nowMs: number;
}

export function stuckQuery(o: StuckOptions): Clause {
  const filter: Clause[] = [exists('filecoin.sector.state'), ...commonClauses(o), ...timeRange('filecoin.sector.state_since', undefined, o.nowMs - o.olderMs)];
  const mustNot: Clause[] = [];
  if (o.states && o.states.length > 0) filter.push(terms('filecoin.sector.state', o.states));
  else mustNot.push(terms('filecoin.sector.state', [...TERMINAL_STATES]));
  return { bool: { filter, ...(mustNot.length ? { must_not: mustNot } : {}) } };
}

export function buildStuckRequest(o: StuckOptions): estypes.SearchRequest {
  return {
    index: SECTORS_INDEX,
    size: o.limit,
    track_total_hits: true,
    query: stuckQuery(o),
    sort: [{ 'filecoin.sector.state_since': { order: 'asc' } }, { 'filecoin.miner.id': { order: 'asc' } }, { 'filecoin.sector.number': { order: 'asc' } }],
    _source: ['filecoin', 'host.name', 'last_seen', 'first_seen'],
  };
}

export interface StuckRow {
  miner: number | null;
  sector: number;
  state: string;
  since: string;
  /** now − since */
  age_ms: number;
  host: string | null;
  storage_host: string | null;
  last_seen: string | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function stuckRows(res: estypes.SearchResponse<unknown>, nowMs: number): StuckRow[] {
  return res.hits.hits.map((h) => {
    const s = h._source as any;
    const since = toMillis(s.filecoin?.sector?.state_since) ?? nowMs;
    const last = toMillis(s.last_seen);
    return {
      miner: typeof s.filecoin?.miner?.id === 'number' ? s.filecoin.miner.id : null,
      sector: s.filecoin?.sector?.number,
      state: s.filecoin?.sector?.state,
      since: new Date(since).toISOString(),
      age_ms: nowMs - since,
      host: s.host?.name ?? null,
      storage_host: s.filecoin?.storage?.host ?? null,
      last_seen: last === undefined ? null : new Date(last).toISOString(),
    };
  });
}
