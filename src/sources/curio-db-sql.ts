import type pg from 'pg';
import { SealtrailError } from '../errors.js';

/**
 * What Curio's migrations (harmony/harmonydb/sql/*.sql) have made in this
 * database: the columns of the tables sealtrail reads, so the queries use
 * what is there (sectors_pipeline_events since 2024-08, task_id_synth since
 * 2024-06, the snap pipeline since 2024-06, its failure columns since
 * 2024-08, completed_by_host_and_port since 2023-11).
 */
export interface CurioSchema {
  /** The schema, quoted for SQL. */
  q: string;
  tables: Map<string, Set<string>>;
}

const TABLES = ['harmony_task_history', 'sectors_sdr_pipeline', 'sectors_snap_pipeline', 'sectors_pipeline_events'];

export async function detectSchema(client: pg.Client, schema: string): Promise<CurioSchema> {
  const res = await client.query(
    'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = ANY($2::text[])',
    [schema, TABLES],
  );
  const tables = new Map<string, Set<string>>();
  for (const r of res.rows as { table_name: string; column_name: string }[]) {
    let cols = tables.get(r.table_name);
    if (!cols) tables.set(r.table_name, (cols = new Set()));
    cols.add(r.column_name);
  }
  const h = tables.get('harmony_task_history');
  const need = ['id', 'task_id', 'name', 'posted', 'work_start', 'work_end', 'result', 'err'];
  if (!h || !need.every((c) => h.has(c))) {
    throw new SealtrailError('E_CURIO_DB', `schema "${schema}" has no harmony_task_history table of Curio's`, 'check curio_db.schema (HarmonyDB uses "curio") and that Curio has run its migrations there');
  }
  return { q: `"${schema.replace(/"/g, '""')}"`, tables };
}

function has(s: CurioSchema, table: string, col?: string): boolean {
  const t = s.tables.get(table);
  return t !== undefined && (col === undefined || t.has(col));
}

/** $1: after id, $2: limit, $3: settle seconds. */
/** History rows after an id (`$1`, at most `$2`), or (`byIds`) those whose ids are in `$1` (`$2` unused). */
export function historySql(s: CurioSchema, byIds = false): string {
  const byEvents = has(s, 'sectors_pipeline_events', 'task_history_id');
  const host = has(s, 'harmony_task_history', 'completed_by_host_and_port') ? 'h.completed_by_host_and_port' : "''";
  return `SELECT h.id, h.task_id, h.name, h.posted, h.work_start, h.work_end, h.result, h.err, ${host} AS completed_by_host_and_port,
  ${byEvents ? 'e.sp_id, e.sector_number' : 'NULL::bigint AS sp_id, NULL::bigint AS sector_number'},
  h.work_end <= now() - make_interval(secs => $3::double precision) AS settled
FROM ${s.q}.harmony_task_history h
${byEvents ? `LEFT JOIN LATERAL (SELECT pe.sp_id, pe.sector_number FROM ${s.q}.sectors_pipeline_events pe WHERE pe.task_history_id = h.id ORDER BY pe.sp_id, pe.sector_number LIMIT 1) e ON true` : ''}
WHERE ${byIds ? 'h.id = ANY($1::bigint[])' : 'h.id > $1'} ORDER BY h.id LIMIT $2`;
}

/** The pipeline columns that hold a task's id while it runs or retries (Curio clears them on success). */
const SDR_TASK_COLUMNS: Record<string, string[]> = {
  SDR: ['task_id_sdr'],
  TreeD: ['task_id_tree_d'],
  TreeRC: ['task_id_tree_c', 'task_id_tree_r'],
  SyntheticProofs: ['task_id_synth'],
  PreCommitBatch: ['task_id_precommit_msg'],
  PreCommitSubmit: ['task_id_precommit_msg'],
  PoRep: ['task_id_porep'],
  Finalize: ['task_id_finalize'],
  MoveStorage: ['task_id_move_storage'],
  CommitBatch: ['task_id_commit_msg'],
  CommitSubmit: ['task_id_commit_msg'],
};
const SNAP_TASK_COLUMNS: Record<string, string[]> = {
  UpdateEncode: ['task_id_encode'],
  UpdateProve: ['task_id_prove'],
  UpdateBatch: ['task_id_submit'],
  UpdateSubmit: ['task_id_submit'],
  UpdateStore: ['task_id_move_storage'],
};

export interface TaskLookup {
  /** $1: the task ids (bigint[]). */
  sql: string;
  columnsFor: (taskName: string) => string[];
}

/** One query per pipeline table: the sectors whose task columns hold any of the ids. */
export function pipelineTaskSql(s: CurioSchema): TaskLookup[] {
  const out: TaskLookup[] = [];
  for (const [table, byName] of [['sectors_sdr_pipeline', SDR_TASK_COLUMNS], ['sectors_snap_pipeline', SNAP_TASK_COLUMNS]] as const) {
    if (!has(s, table)) continue;
    const cols = [...new Set(Object.values(byName).flat())].filter((c) => has(s, table, c));
    if (cols.length === 0) continue;
    out.push({
      sql: `SELECT sp_id, sector_number, ${cols.join(', ')} FROM ${s.q}.${table} WHERE ${cols.map((c) => `${c} = ANY($1::bigint[])`).join(' OR ')}`,
      columnsFor: (name) => (byName[name] ?? []).filter((c) => cols.includes(c)),
    });
  }
  return out;
}

export interface PageQuery {
  /** $1, $2: after (sp_id, sector_number); $3: limit. */
  sql: string;
  flags: string[];
  cids: string[];
}

/** The after_* flags in pipeline order (20231217-sdr-pipeline.sql, 20240617-synthetic-proofs.sql). */
export const SDR_FLAGS = ['after_sdr', 'after_tree_d', 'after_tree_c', 'after_tree_r', 'after_synth', 'after_precommit_msg', 'after_precommit_msg_success', 'after_porep', 'after_finalize', 'after_move_storage', 'after_commit_msg', 'after_commit_msg_success'];
/** 20240611-snap-pipeline.sql. */
export const SNAP_FLAGS = ['after_encode', 'after_prove', 'after_submit', 'after_prove_msg_success', 'after_move_storage'];

function page(s: CurioSchema, table: string, flags: string[], created: string, cids: string[]): PageQuery | undefined {
  if (!has(s, table)) return undefined;
  const present = flags.filter((f) => has(s, table, f));
  const cidCols = cids.filter((c) => has(s, table, c));
  const col = (c: string, dflt: string) => (has(s, table, c) ? `p.${c}` : `${dflt} AS ${c}`);
  const lastDone = has(s, 'sectors_pipeline_events', 'task_history_id')
    ? `(SELECT max(h.work_end) FROM ${s.q}.sectors_pipeline_events pe JOIN ${s.q}.harmony_task_history h ON h.id = pe.task_history_id WHERE pe.sp_id = p.sp_id AND pe.sector_number = p.sector_number AND h.result)`
    : 'NULL::timestamptz';
  const sql = `SELECT p.sp_id, p.sector_number, ${[...present, ...cidCols].map((c) => `p.${c}`).join(', ')},
  ${col('failed', 'false')}, ${col('failed_at', 'NULL::timestamptz')}, ${col('failed_reason', "''")}, ${col('failed_reason_msg', "''")},
  ${has(s, table, created) ? `p.${created}` : 'NULL::timestamptz'} AS created, ${lastDone} AS last_done
FROM ${s.q}.${table} p
WHERE (p.sp_id, p.sector_number) > ($1::bigint, $2::bigint) ORDER BY p.sp_id, p.sector_number LIMIT $3`;
  return { sql, flags: present, cids: cidCols };
}

export function sdrPageSql(s: CurioSchema): PageQuery | undefined {
  return page(s, 'sectors_sdr_pipeline', SDR_FLAGS, 'create_time', ['precommit_msg_cid', 'commit_msg_cid']);
}

export function snapPageSql(s: CurioSchema): PageQuery | undefined {
  return page(s, 'sectors_snap_pipeline', SNAP_FLAGS, 'start_time', ['prove_msg_cid']);
}
