import type { SnapshotParser } from './shape.js';
import { cellValue, rec, threadRecord, threadTables } from './damocles-threads.js';

/**
 * `damocles-worker worker list` (`venus-worker worker list` before the
 * rename), every layout of damocles-worker's src/bin/…/worker/mod.rs:
 *
 *   #4: "/mnt/data/vc5"; sector_id=Some(s-t01212159-57568), paused=true, paused_elapsed=Some(97s), state=PCSubmitted, last_err=Some("permanent: …")
 *   #0: "/path"; plan=rebuild, sector_id=None, paused=false, paused_elapsed=None, state=Empty, last_err=None     (2022-10: plan)
 *   #0: /path; plan=sealer, job_id=Some("s-t01000-2"), paused=false, …                                             (2023-07: job_id)
 *   #  location  Plan  JobID  Paused  PausedElapsed  State  Stage  LastErr                                          (2023-08: a table)
 *   #  location  Plan  JobID  JobState  JobStage  ThreadState  LastErr                                             (2023-08 on)
 *
 * Each thread is one record at the snapshot's time (see damocles-threads.ts
 * for the loggers and fields). In the line layout `last_err` comes last and
 * may hold commas, so it is everything after `last_err=`.
 */
const LINE = /^#(\d+): (?:"((?:[^"\\]|\\.)*)"|([^;]*));\s*(.*)$/;

export function damoclesWorkerList(at: () => number): SnapshotParser {
  const tables = threadTables(at);
  return (body, dataset) => {
    const m = LINE.exec(body);
    if (!m) return tables(body, dataset);
    let kv = m[4]!;
    let error: string | undefined;
    const e = kv.indexOf('last_err=');
    if (e >= 0) {
      error = cellValue(kv.slice(e + 'last_err='.length));
      kv = kv.slice(0, e);
    }
    const values = new Map<string, string>();
    for (const part of kv.split(/,\s*/)) {
      const eq = part.indexOf('=');
      if (eq > 0) values.set(part.slice(0, eq).trim(), part.slice(eq + 1));
    }
    if (!values.has('state')) return rec(at(), 'other', body, {}, dataset);
    return threadRecord(at(), {
      index: m[1]!,
      plan: cellValue(values.get('plan')),
      job: cellValue(values.get('sector_id') ?? values.get('job_id')),
      state: cellValue(values.get('state')),
      error,
    }, body, dataset);
  };
}
