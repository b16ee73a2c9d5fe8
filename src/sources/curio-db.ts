import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { SealtrailError, describeOsError, noteSecret } from '../errors.js';
import { type CurioSchema, detectSchema, historySql, pipelineTaskSql, sdrPageSql, snapPageSql } from './curio-db-sql.js';

/**
 * The `curio_db` input's connection (config.ts reads it from `curio_db:`).
 * The password is never a config value: `CURIO_DB_PASSWORD`, or the file
 * `CURIO_DB_PASSWORD_FILE` / `password_file` names.
 */
export interface CurioDbConfig {
  /** `postgres://user@host:port/database` (no password in it), or the parts below. */
  url: string | undefined;
  host: string | undefined;
  port: number | undefined;
  user: string | undefined;
  database: string | undefined;
  /** Where Curio's tables are (HarmonyDB's default schema is `curio`). */
  schema: string;
  passwordFile: string | undefined;
  /** Names this database in event ids and its checkpoint: keep it when the connection moves. */
  name: string;
  /** Seconds between reads of harmony_task_history once caught up. */
  pollInterval: number;
  /** Seconds between reads of the sector pipelines. */
  sectorsInterval: number;
  /** A history row is read once its work_end is this many seconds old (rows commit in id order within that). */
  settleSeconds: number;
}

/** One row of harmony_task_history, with the sector it was for where the database tells. */
export interface HistoryRow {
  id: number;
  taskId: number;
  name: string;
  posted: Date;
  workStart: Date;
  workEnd: Date;
  result: boolean;
  err: string | null;
  completedBy: string;
  spId: number | null;
  sectorNumber: number | null;
}

/** One sector of sectors_sdr_pipeline or sectors_snap_pipeline, its flags by column name. */
export interface PipelineRow {
  table: 'sdr' | 'snap';
  spId: number;
  sectorNumber: number;
  flags: Record<string, boolean>;
  failed: boolean;
  failedAt: Date | null;
  failedReason: string;
  failedReasonMsg: string;
  created: Date | null;
  lastDone: Date | null;
  cids: string[];
}

/** Where the database is, for messages (never the password). */
export function describeDb(c: CurioDbConfig): string {
  if (c.url) {
    const u = new URL(c.url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  }
  return `${c.host ?? 'localhost'}:${c.port ?? 5432}/${c.database ?? c.user ?? ''}`;
}

function password(c: CurioDbConfig): string | undefined {
  if (process.env.CURIO_DB_PASSWORD) return process.env.CURIO_DB_PASSWORD;
  const file = process.env.CURIO_DB_PASSWORD_FILE || c.passwordFile;
  if (!file) return undefined;
  try {
    const pw = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    noteSecret(pw);
    return pw;
  } catch (err) {
    throw new SealtrailError('E_CONFIG', `cannot read the Curio database password file ${file}: ${describeOsError(err)}`, 'CURIO_DB_PASSWORD_FILE or curio_db.password_file names a file holding the password');
  }
}

/** A failure that waiting mends (nothing listens, the server restarts, the connection broke) or not. */
export function isTransient(err: unknown): boolean {
  if (err instanceof SealtrailError || err instanceof TypeError || err instanceof RangeError) return false;
  const code = (err as { code?: string })?.code;
  if (code === undefined) return true; // "Connection terminated unexpectedly" and the like
  // 08: connection exceptions; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now; 53: resources
  return /^(08|57P0|53)/.test(code) || /^E[A-Z]+$/.test(code);
}

/** Errors the database's answer makes final: one line each. */
export function describeDbError(err: unknown, where: string): SealtrailError | undefined {
  const e = err as { code?: string; message?: string };
  if (e?.code === '28P01' || e?.code === '28000') {
    return new SealtrailError('E_CURIO_DB_AUTH', `the Curio database at ${where} refused the login: ${e.message ?? ''}`, 'check curio_db.user and the password in CURIO_DB_PASSWORD or CURIO_DB_PASSWORD_FILE');
  }
  if (e?.code === '3D000') return new SealtrailError('E_CURIO_DB', `the Curio database at ${where}: ${e.message ?? ''}`, 'check curio_db.database');
  if (e?.code === '42P01' || e?.code === '42703' || e?.code === '3F000') {
    return new SealtrailError('E_CURIO_DB', `the database at ${where} has no Curio tables: ${e.message ?? ''}`, 'check curio_db.schema (HarmonyDB uses "curio") and that Curio has run its migrations there');
  }
  return undefined;
}

/** Any other failure the database reports, as one line (exit 1). */
export function dbFailure(err: unknown, where: string): SealtrailError {
  if (err instanceof SealtrailError) return err;
  return new SealtrailError('E_CURIO_DB', `the Curio database at ${where}: ${(err as Error)?.message ?? String(err)}`, 'check curio_db in the config and the database');
}

/**
 * Curio's database, read only: connects (waiting while it is away), learns
 * which of Curio's tables and columns its migrations have made, and reads
 * harmony_task_history after an id and the sector pipelines page by page.
 */
export class CurioDb {
  private client: pg.Client | undefined;
  private schema: CurioSchema | undefined;
  readonly where: string;

  constructor(
    readonly config: CurioDbConfig,
    private readonly log: (line: string) => void,
  ) {
    this.where = describeDb(config);
  }

  /** Connects, waiting (one line when it starts, one when it ends) while the database is away. */
  async connect(signal: AbortSignal): Promise<boolean> {
    let waiting = false;
    let delay = 500;
    while (!signal.aborted) {
      try {
        const c = this.config;
        const client = new pg.Client({
          ...(c.url ? { connectionString: c.url } : { host: c.host, port: c.port, user: c.user, database: c.database }),
          password: password(c),
          connectionTimeoutMillis: 10_000,
          application_name: 'sealtrail',
        });
        client.on('error', () => {}); // a broken connection fails the next query, which says so
        try {
          await client.connect();
          this.schema = await detectSchema(client, c.schema);
        } catch (err) {
          await client.end().catch(() => {});
          throw err;
        }
        this.client = client;
        if (waiting) this.log(`the Curio database at ${this.where} is back`);
        return true;
      } catch (err) {
        const final = describeDbError(err, this.where);
        if (final) throw final;
        if (!isTransient(err)) throw dbFailure(err, this.where);
        if (!waiting) this.log(`waiting for the Curio database at ${this.where}: ${(err as Error).message}`);
        waiting = true;
        await sleep(delay, undefined, { signal }).catch(() => {});
        delay = Math.min(delay * 2, 10_000);
      }
    }
    return false;
  }

  /** Drops the connection after a failure; the next `connect` makes a new one. */
  async reset(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private get db(): pg.Client {
    if (!this.client) throw new Error('not connected');
    return this.client;
  }

  /**
   * History rows after `afterId`, in id order, up to the first one younger
   * than settle seconds (by the database's clock), with their sector: from
   * sectors_pipeline_events where Curio wrote it, else from the task id
   * still in a pipeline row (a failed task keeps its id there).
   */
  async historyAfter(afterId: number, limit: number): Promise<HistoryRow[]> {
    const res = await this.db.query(historySql(this.schema!), [afterId, limit, this.config.settleSeconds]);
    return this.historyRows(res.rows as Record<string, unknown>[], true);
  }

  /** The rows of these ids that are there now (ids passed over while their transactions were open). */
  async historyByIds(ids: readonly number[]): Promise<HistoryRow[]> {
    if (ids.length === 0) return [];
    const res = await this.db.query(historySql(this.schema!, true), [ids, ids.length, this.config.settleSeconds]);
    return this.historyRows(res.rows as Record<string, unknown>[], false);
  }

  private async historyRows(found: Record<string, unknown>[], settledOnly: boolean): Promise<HistoryRow[]> {
    const s = this.schema!;
    const rows: HistoryRow[] = [];
    for (const r of found) {
      if (settledOnly && r.settled !== true) break;
      rows.push({
        id: Number(r.id),
        taskId: Number(r.task_id),
        name: String(r.name),
        posted: r.posted as Date,
        workStart: r.work_start as Date,
        workEnd: r.work_end as Date,
        result: r.result === true,
        err: (r.err as string | null) ?? null,
        completedBy: String(r.completed_by_host_and_port ?? ''),
        spId: r.sp_id === null || r.sp_id === undefined ? null : Number(r.sp_id),
        sectorNumber: r.sector_number === null || r.sector_number === undefined ? null : Number(r.sector_number),
      });
    }
    const missing = rows.filter((r) => r.spId === null);
    if (missing.length > 0) {
      for (const q of pipelineTaskSql(s)) {
        const found = await this.db.query(q.sql, [missing.map((r) => r.taskId)]);
        for (const f of found.rows as Record<string, unknown>[]) {
          for (const r of missing) {
            if (r.spId === null && q.columnsFor(r.name).some((col) => Number(f[col]) === r.taskId)) {
              r.spId = Number(f.sp_id);
              r.sectorNumber = Number(f.sector_number);
            }
          }
        }
      }
    }
    return rows;
  }

  /** One page of a pipeline table after (sp_id, sector_number), in key order. */
  async pipelinePage(table: 'sdr' | 'snap', after: [number, number], limit: number): Promise<PipelineRow[]> {
    const s = this.schema!;
    const q = table === 'sdr' ? sdrPageSql(s) : snapPageSql(s);
    if (!q) return [];
    const res = await this.db.query(q.sql, [after[0], after[1], limit]);
    return (res.rows as Record<string, unknown>[]).map((r) => ({
      table,
      spId: Number(r.sp_id),
      sectorNumber: Number(r.sector_number),
      flags: Object.fromEntries(q.flags.map((f) => [f, r[f] === true])),
      failed: r.failed === true,
      failedAt: (r.failed_at as Date | null) ?? null,
      failedReason: String(r.failed_reason ?? ''),
      failedReasonMsg: String(r.failed_reason_msg ?? ''),
      created: (r.created as Date | null) ?? null,
      lastDone: (r.last_done as Date | null) ?? null,
      cids: q.cids.map((c) => r[c]).filter((v): v is string => typeof v === 'string' && v !== ''),
    }));
  }
}
