import type { estypes } from '@elastic/elasticsearch';
import { SECTORS_INDEX } from '../elasticsearch.js';
import { type Clause, type CommonFilters, commonClauses, exists, timeRange } from './filters.js';

/**
 * `sealtrail states`: the operators' `select state, count(*) from sectors
 * group by state`, from the sealtrail-sectors documents. Documents without a
 * state (a sector seen only in lines that name no state, e.g. before its
 * miner was known) are not sectors in a state and are not counted.
 */
export interface StatesOptions extends CommonFilters {
  /** Only sectors with activity (last_seen) since then. */
  sinceMs?: number | undefined;
}

export const STATES_AGG_SIZE = 200;

export function statesQuery(o: StatesOptions): Clause {
  return { bool: { filter: [exists('filecoin.sector.state'), ...commonClauses(o), ...timeRange('last_seen', o.sinceMs)] } };
}

export function buildStatesRequest(o: StatesOptions): estypes.SearchRequest {
  return {
    index: SECTORS_INDEX,
    size: 0,
    track_total_hits: true,
    query: statesQuery(o),
    aggs: { states: { terms: { field: 'filecoin.sector.state', size: STATES_AGG_SIZE } } },
  };
}

export interface StateRow {
  state: string;
  count: number;
}

/** Rows by count, most first (ties by name); sectors beyond the 200 states shown are summed as `(other)`. */
export function statesRows(res: estypes.SearchResponse<unknown>): StateRow[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const agg = (res.aggregations as any)?.states;
  const rows: StateRow[] = (agg?.buckets ?? []).map((b: { key: string; doc_count: number }) => ({ state: String(b.key), count: b.doc_count }));
  rows.sort((a, b) => b.count - a.count || a.state.localeCompare(b.state));
  const other = agg?.sum_other_doc_count ?? 0;
  if (other > 0) rows.push({ state: '(other)', count: other });
  return rows;
}

export function statesTotal(rows: StateRow[]): number {
  return rows.reduce((a, r) => a + r.count, 0);
}
