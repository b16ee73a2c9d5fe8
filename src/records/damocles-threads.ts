import type { ParsedRecord } from '../model.js';

/**
 * What damocles' views of a worker's sealing threads have in common
 * (`damocles-worker worker list`, `damocles-manager util worker info`): one
 * row per thread, its index, location, plan, job (a sector `s-t01000-2`, a
 * wdpost job id, or nothing), state and last error, in a line layout
 * (`#0: "/path"; plan=rebuild, sector_id=None, …`) or a table
 * (`Index  Loc  Plan  SectorID  Paused  PausedElapsed  State  LastErr`, and
 * the later `JobID  JobState  JobStage  ThreadState` columns).
 *
 * A row's record has logger `thread` when its job names a sector (fields
 * `sector`, `miner`, `state`, `plan`, `thread`, `error`), `idle` when it
 * names none (a thread without a job, or a wdpost job: fields `plan`,
 * `thread`, `state`), `header` for a table's header and `other` for
 * anything else (a prompt, a blank line). `thread` is the thread's name in
 * damocles' own logs: `worker-N` for index N (sealing_thread/mod.rs).
 */
export interface ThreadRow {
  index: string;
  plan?: string | undefined;
  job?: string | undefined;
  state?: string | undefined;
  error?: string | undefined;
}

const JOB_SECTOR = /\bs-[tf]0(\d+)-(\d+)\b/;

/** `None`, `NULL`, `-` and an empty cell are no value; `Some(x)` is x; a Rust/Go quoted string is its text. */
export function cellValue(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let v = raw.trim();
  if (v === '' || v === 'None' || v === 'NULL' || v === '-') return undefined;
  const some = /^Some ?\(([\s\S]*)\)$/.exec(v);
  if (some) v = some[1]!.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    try {
      v = JSON.parse(v) as string;
    } catch {
      v = v.slice(1, -1).replace(/\\(["\\])/g, '$1');
    }
  }
  return v === '' ? undefined : v;
}

export function threadRecord(time: number, row: ThreadRow, body: string, dataset: string): ParsedRecord {
  const fields: Record<string, unknown> = { thread: `worker-${row.index}` };
  if (row.plan !== undefined) fields.plan = row.plan;
  if (row.state !== undefined) fields.state = row.state;
  const m = row.job === undefined ? null : JOB_SECTOR.exec(row.job);
  if (m) {
    fields.miner = Number(m[1]);
    fields.sector = Number(m[2]);
    if (row.error !== undefined) fields.error = row.error;
  }
  return rec(time, m ? 'thread' : 'idle', body, fields, dataset);
}

export function rec(time: number, logger: string, message: string, fields: Record<string, unknown>, dataset: string): ParsedRecord {
  return { time, level: undefined, logger, originFile: undefined, originLine: undefined, message, fieldsText: undefined, fields, dataset, tags: undefined };
}

/** A table's columns, by the header's names: where each starts, for rows aligned by a tab writer. */
export interface Columns {
  names: string[];
  starts: number[];
}

/** The header of a thread table (`Index  Loc  …`, `#  location  …`), or undefined. */
export function threadHeader(line: string): Columns | undefined {
  if (!/^(?:Index|#)\s+(?:Loc|location)\s/.test(line)) return undefined;
  const names: string[] = [];
  const starts: number[] = [];
  for (const m of line.matchAll(/\S+/g)) {
    names.push(m[0]);
    starts.push(m.index);
  }
  return { names, starts };
}

/**
 * A row's cells: where the header's column starts fall on spaces, the row is
 * cut there (cells may hold spaces: `Running(1h 2m) pid`); otherwise (a
 * paste that lost the alignment) by runs of white space, the last column
 * taking the rest of the line.
 */
export function cells(line: string, cols: Columns): Map<string, string> {
  const out = new Map<string, string>();
  const { names, starts } = cols;
  const aligned = starts.every((s, i) => i === 0 || s >= line.length || /\s/.test(line[s - 1]!));
  if (aligned) {
    for (let i = 0; i < names.length; i++) out.set(names[i]!, line.slice(starts[i], starts[i + 1] ?? line.length).trim());
    return out;
  }
  let rest = line.trim();
  for (let i = 0; i < names.length; i++) {
    if (i === names.length - 1) {
      out.set(names[i]!, rest);
      break;
    }
    const m = /^(\S+)\s*/.exec(rest);
    out.set(names[i]!, m ? m[1]! : '');
    rest = m ? rest.slice(m[0].length) : '';
  }
  return out;
}

/** A table row as a thread: the column names of every version, old and new. */
export function tableThread(c: Map<string, string>): ThreadRow | undefined {
  const index = (c.get('Index') ?? c.get('#'))?.trim();
  if (!index || !/^\d+$/.test(index)) return undefined;
  return {
    index,
    plan: cellValue(c.get('Plan')),
    job: cellValue(c.get('SectorID') ?? c.get('JobID')),
    state: cellValue(c.get('State') ?? c.get('JobState')),
    error: cellValue(c.get('LastErr')),
  };
}

/** A reader of thread tables: remembers the last header; rows under it are threads. */
export function threadTables(at: () => number): (body: string, dataset: string) => ParsedRecord {
  let cols: Columns | undefined;
  return (body, dataset) => {
    const header = threadHeader(body);
    if (header) {
      cols = header;
      return rec(at(), 'header', body, {}, dataset);
    }
    const row = cols ? tableThread(cells(body, cols)) : undefined;
    return row ? threadRecord(at(), row, body, dataset) : rec(at(), 'other', body, {}, dataset);
  };
}
