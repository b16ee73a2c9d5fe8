import type { estypes } from '@elastic/elasticsearch';

/** The filters every query command shares, as ES query clauses. */
export interface CommonFilters {
  /** filecoin.miner.id */
  miner?: number | undefined;
  /** host.name (the machine the log came from) */
  host?: string | undefined;
}

export type Clause = estypes.QueryDslQueryContainer;

export function term(field: string, value: string | number | boolean): Clause {
  return { term: { [field]: value } };
}

export function terms(field: string, values: (string | number)[]): Clause {
  return { terms: { [field]: values } };
}

export function exists(field: string): Clause {
  return { exists: { field } };
}

/** `field >= from` (and `< to`), as ISO strings so the request is reproducible and readable. */
export function timeRange(field: string, fromMs: number | undefined, toMs?: number): Clause[] {
  if (fromMs === undefined && toMs === undefined) return [];
  const range: estypes.QueryDslDateRangeQuery = { format: 'strict_date_optional_time' };
  if (fromMs !== undefined) range.gte = new Date(fromMs).toISOString();
  if (toMs !== undefined) range.lt = new Date(toMs).toISOString();
  return [{ range: { [field]: range } }];
}

export function commonClauses(f: CommonFilters): Clause[] {
  const out: Clause[] = [];
  if (f.miner !== undefined) out.push(term('filecoin.miner.id', f.miner));
  if (f.host !== undefined) out.push(term('host.name', f.host));
  return out;
}

/** Splits `a,b, c` into its non-empty parts. */
export function commaList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return parts;
}
