import { normaliseTaskKey, type Definitions } from '../definitions.js';
import type { SealEvent } from '../model.js';
import type { HistoryRow, PipelineRow } from '../sources/curio-db.js';
import { setExtra } from './captures.js';
import { postTypeOfTask } from './curio-tasks.js';
import { newEvent } from './new-event.js';

export const CURIO_DB_DATASET = 'sealtrail.curio';

/** What every event of one Curio database shares. */
export interface CurioRowContext {
  defs: Pick<Definitions, 'taskTypes' | 'fields'>;
  /** Prefix of every event id of this database (from its `name`). */
  idPrefix: string;
  /** `log.file.path` of its events: `curio_db:NAME`. */
  path: string;
  /** host.name of the sector observations (the database's host). */
  dbHost: string;
}

function blank(ctx: CurioRowContext, id: string, time: number, offset: number, logger: string, level: string, message: string, original: string, host: string): SealEvent {
  return newEvent(
    { time, level, logger, originFile: undefined, originLine: undefined, message, fieldsText: undefined, fields: undefined, dataset: CURIO_DB_DATASET, tags: undefined },
    { offset, original, body: original, wrapper: undefined, truncated: false },
    id,
    ctx.path,
    host,
  );
}

/** `10.0.0.3:12300` → `10.0.0.3`; `[::1]:12300` → `::1`. */
export function hostOf(hostAndPort: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(hostAndPort) ?? /^([^:]+)(?::\d+)?$/.exec(hostAndPort);
  return m ? m[1]! : hostAndPort;
}

/**
 * A harmony_task_history row as the event of its outcome: `task-finished`
 * (result true) or `task-failed` (Curio's `err`, without its `error: `
 * prefix), `event.duration` = work_end − work_start, at work_end, on the
 * host that ran it; a preempted run (`err` = `preempted`) is a `log`. PoSt
 * tasks (WDP, WNP) are `post-finished` / `post-failed`. The id is the row's.
 */
export function historyEvent(row: HistoryRow, ctx: CurioRowContext): SealEvent {
  const original = JSON.stringify({
    table: 'harmony_task_history', id: row.id, task_id: row.taskId, name: row.name, posted: row.posted.toISOString(), work_start: row.workStart.toISOString(),
    work_end: row.workEnd.toISOString(), result: row.result, err: row.err, completed_by_host_and_port: row.completedBy,
    ...(row.spId === null ? {} : { sp_id: row.spId, sector_number: row.sectorNumber }),
  });
  const preempted = !row.result && row.err === 'preempted';
  const outcome = row.result ? 'succeeded' : preempted ? 'was preempted' : 'failed';
  const ev = blank(ctx, `${ctx.idPrefix}h${row.id.toString(36)}`, row.workEnd.getTime(), row.id, 'harmony_task_history', row.result || preempted ? 'info' : 'error',
    `${row.name} task ${row.taskId} ${outcome}${row.result || !row.err || preempted ? '' : `: ${row.err.replace(/^error: /, '')}`}`, original, hostOf(row.completedBy) || ctx.dbHost);
  ev.taskName = row.name;
  ev.taskType = ctx.defs.taskTypes.get(normaliseTaskKey(row.name)) ?? row.name;
  const slot = ctx.defs.fields.find((f) => f.name === 'filecoin.task.id')?.slot;
  if (slot !== undefined) setExtra(ev, ctx.defs.fields, slot, row.taskId);
  if (row.spId !== null && row.sectorNumber !== null) {
    ev.miner = row.spId;
    ev.sector = row.sectorNumber;
  }
  ev.duration = Math.max(0, row.workEnd.getTime() - row.workStart.getTime()) * 1e6;
  if (preempted) return ev;
  ev.action = row.result ? 'task-finished' : 'task-failed';
  if (!row.result) ev.errorMessage = (row.err ?? 'unspecified error').replace(/^error: /, '');
  const post = postTypeOfTask(ev.taskType);
  if (post) {
    ev.action = row.result ? 'post-finished' : 'post-failed';
    ev.postType = post;
  }
  return ev;
}

/** The first step not done names the state (README "Curio fleets": the table). */
const SDR_STATES: [flag: string, state: string][] = [
  ['after_sdr', 'SDR'], ['after_tree_d', 'TreeD'], ['after_tree_c', 'TreeRC'], ['after_tree_r', 'TreeRC'], ['after_synth', 'SyntheticProofs'],
  ['after_precommit_msg', 'PreCommitBatch'], ['after_precommit_msg_success', 'PreCommitWait'], ['after_porep', 'PoRep'],
  ['after_finalize', 'Finalize'], ['after_move_storage', 'MoveStorage'], ['after_commit_msg', 'CommitBatch'], ['after_commit_msg_success', 'CommitWait'],
];
const SNAP_STATES: [flag: string, state: string][] = [
  ['after_encode', 'UpdateEncode'], ['after_prove', 'UpdateProve'], ['after_submit', 'UpdateBatch'], ['after_prove_msg_success', 'UpdateWait'], ['after_move_storage', 'UpdateStore'],
];

export function pipelineState(row: PipelineRow): string {
  if (row.failed) return 'Failed';
  for (const [flag, state] of row.table === 'sdr' ? SDR_STATES : SNAP_STATES) {
    if (flag in row.flags && !row.flags[flag]) return state;
  }
  return 'Proving';
}

/**
 * A pipeline row as a `sector-observed` of its state, dated by when the
 * sector got there as far as the database tells (failed_at; else the end of
 * its last successful task or the row's creation, the later), so observing it again
 * writes the same document: the id holds the state and that time.
 */
export function pipelineEvent(row: PipelineRow, ctx: CurioRowContext): SealEvent | undefined {
  const state = pipelineState(row);
  // A snap row starts after the sector's sealing tasks: the later of the two dates it.
  const done = Math.max(row.lastDone?.getTime() ?? -Infinity, row.created?.getTime() ?? -Infinity);
  const time = (row.failed ? row.failedAt?.getTime() : undefined) ?? done;
  if (!Number.isFinite(time)) return undefined;
  const table = row.table === 'sdr' ? 'sectors_sdr_pipeline' : 'sectors_snap_pipeline';
  const original = JSON.stringify({ table, sp_id: row.spId, sector_number: row.sectorNumber, ...row.flags, failed: row.failed, failed_reason: row.failedReason, failed_reason_msg: row.failedReasonMsg, cids: row.cids });
  const id = `${ctx.idPrefix}s${row.table}-${row.spId}-${row.sectorNumber}-${state}-${time.toString(36)}`;
  const reason = row.failed ? [row.failedReason, row.failedReasonMsg].filter((x) => x !== '').join(': ') || 'failed' : undefined;
  const ev = blank(ctx, id, time, 0, table, row.failed ? 'error' : 'info', `sector ${row.spId}-${row.sectorNumber} ${state}${reason ? `: ${reason}` : ''}`, original, ctx.dbHost);
  ev.action = 'sector-observed';
  ev.miner = row.spId;
  ev.sector = row.sectorNumber;
  ev.state = state;
  ev.sectorFirstSeen = row.created?.getTime();
  if (row.cids.length > 0) ev.messageCid = row.cids[row.cids.length - 1];
  if (reason) ev.errorMessage = reason;
  return ev;
}
