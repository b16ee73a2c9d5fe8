import type { SnapshotParser } from './shape.js';
import { threadTables } from './damocles-threads.js';

/**
 * `damocles-manager util worker info NAME` (`venus-sector-manager util
 * worker info` before the rename): damocles-manager's
 * cmd/…/internal/util_worker.go prints the worker's threads as a table, a Go
 * tabwriter's (padding 2, spaces), in the columns of its version:
 *
 *   Index  Loc  SectorID  Paused  PausedElapsed  State  LastErr                        (2022)
 *   Index  Loc  Plan  SectorID  Paused  PausedElapsed  State  LastErr                  (2022-09: Plan)
 *   Index  Loc  Plan  JobID  Paused  PausedElapsed  State  [Stage]  LastErr            (2023-07)
 *   Index  Loc  Plan  JobID  JobState  JobStage  ThreadState  LastErr                  (2023-08 on)
 *
 * Empty cells read `NULL`. Each row is one record at the snapshot's time
 * (see damocles-threads.ts for the loggers and fields).
 */
export function damoclesWorkerInfo(at: () => number): SnapshotParser {
  return threadTables(at);
}
