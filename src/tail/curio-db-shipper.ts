import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckTracker } from '../checkpoints/ack-tracker.js';
import { advanceDbPosition, dbIdentity, dbPosition } from '../checkpoints/db-position.js';
import type { Registry } from '../checkpoints/registry.js';
import type { Definitions } from '../definitions.js';
import { toDocumentBatch } from '../documents/document-batch.js';
import { DocumentWriter } from '../documents/serialize.js';
import { historyEvent, pipelineEvent, type CurioRowContext } from '../events/curio-rows.js';
import type { Sink } from '../sink/event-sink.js';
import type { ShipStats } from './ship-stats.js';
import { SinkFailed } from '../errors.js';
import { CurioDb, dbFailure, describeDbError, isTransient, type CurioDbConfig, type HistoryRow } from '../sources/curio-db.js';
import { HistoryGaps } from './history-gaps.js';

export interface CurioDbShipperOptions {
  config: CurioDbConfig;
  defs: Pick<Definitions, 'taskTypes' | 'fields'>;
  sink: Sink;
  registry: Registry | undefined;
  log: (line: string) => void;
  /** Counts the events (summary, status, the domain metrics), as the tail's. */
  stats?: ShipStats;
  /** `run --once`: read the history to its end and the pipelines once, then stop. */
  once?: boolean;
  /** History rows per read (default 500). */
  batchRows?: number;
  /** Sectors whose last observation is remembered, to write only changes (default 200,000). */
  maxSectors?: number;
}

const PAGE = 1000;
/** How long an id passed over is asked for again, and how many are kept (see history-gaps.ts). */
const GAP_WAIT_MS = 3600_000;
const MAX_GAPS = 20_000;

/**
 * The `curio_db` input: follows harmony_task_history by increasing id into
 * task events (its position a registry checkpoint, advanced only on
 * acknowledgement), and polls the sector pipelines into `sector-observed`
 * events, through the same documents and sink as the logs. A database that
 * goes away is waited for; one that refuses the login stops `run` with one
 * line (`E_CURIO_DB_AUTH`).
 */
export class CurioDbShipper {
  private readonly db: CurioDb;
  private readonly ctx: CurioRowContext;
  private readonly writer = new DocumentWriter();
  private readonly stop = new AbortController();
  private readonly seen = new Map<string, string>();
  private readonly identity: string;
  /** Settles when the shipper has stopped (or, with `once`, caught up); rejects with what stopped it. */
  readonly done: Promise<void>;
  historyRows = 0;
  sectorEvents = 0;

  constructor(private readonly o: CurioDbShipperOptions) {
    this.db = new CurioDb(o.config, o.log);
    const name = o.config.name;
    this.identity = dbIdentity(name, 'harmony_task_history');
    this.ctx = {
      defs: o.defs,
      idPrefix: createHash('sha256').update('curio_db\0').update(name).digest('base64url').slice(0, 16) + '-',
      path: `curio_db:${name}`,
      dbHost: this.db.where.split(':')[0]!,
    };
    this.done = this.run();
    this.done.catch(() => {}); // observed by whoever awaits done
  }

  requestStop(): void {
    this.stop.abort();
  }

  private async run(): Promise<void> {
    const signal = this.stop.signal;
    try {
      if (!(await this.db.connect(signal))) return;
      this.o.log(`reading Curio's database at ${this.db.where} (schema ${this.o.config.schema}) from harmony_task_history id ${dbPosition(this.o.registry, this.identity)}`);
      await this.loop(signal);
    } finally {
      await this.db.close();
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const { registry, config } = this.o;
    const start = dbPosition(registry, this.identity);
    const gaps = new HistoryGaps(GAP_WAIT_MS, MAX_GAPS);
    let saved = start;
    const save = (committed: number): void => {
      const at = gaps.limit(committed);
      if (at > saved) advanceDbPosition(registry, this.identity, this.ctx.path, (saved = at));
    };
    const tracker = new AckTracker(start, save);
    let next = start;
    let sectorsAt = 0;
    let touchedAt = Date.now();
    const batchRows = this.o.batchRows ?? 500;
    while (!signal.aborted) {
      const rows = await this.dbCall(signal, () => this.db.historyAfter(next, batchRows));
      if (rows === undefined) continue; // reconnected (or stopping)
      if (rows.length > 0) {
        gaps.note(next, rows.map((r) => r.id), Date.now());
        const ticket = tracker.add(rows[rows.length - 1]!.id);
        next = rows[rows.length - 1]!.id;
        await this.ship(rows, () => tracker.ack(ticket));
      }
      const late = gaps.size > 0 ? await this.dbCall(signal, () => this.db.historyByIds(gaps.toAsk(Date.now()))) : [];
      if (late === undefined) continue;
      if (late.length > 0) {
        const ids = late.map((r) => r.id);
        gaps.shipped(ids);
        await this.ship(late, () => {
          gaps.acknowledged(ids);
          save(tracker.committed);
        });
      }
      save(tracker.committed); // ids given up no longer hold the checkpoint
      const now = Date.now();
      if (this.o.once || now - sectorsAt >= config.sectorsInterval * 1000) {
        if ((await this.dbCall(signal, () => this.pollSectors())) === undefined) continue;
        sectorsAt = now;
      }
      if (registry && now - touchedAt > 3600_000) {
        // Quiet for an hour: refresh the checkpoint's age, so pruning keeps it.
        registry.reset(this.identity, { path: this.ctx.path, dev: 'db', ino: 'db', offset: saved, content: this.identity });
        touchedAt = now;
      }
      if (rows.length === batchRows) continue;
      if (this.o.once) return;
      await sleep(config.pollInterval * 1000, undefined, { signal }).catch(() => {});
    }
  }

  private async ship(rows: HistoryRow[], ack: () => void): Promise<void> {
    const events = rows.map((r) => historyEvent(r, this.ctx));
    this.historyRows += rows.length;
    this.o.stats?.count(events);
    await this.o.sink.write(toDocumentBatch(events, this.writer, ack)).catch((err: unknown) => {
      throw new SinkFailed(err);
    });
  }

  /** A database call; a transient failure is waited out (undefined: try again), a final one thrown as one line. */
  private async dbCall<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SinkFailed) throw err;
      const final = describeDbError(err, this.db.where);
      if (final) throw final;
      if (!isTransient(err)) throw dbFailure(err, this.db.where);
      this.o.log(`the Curio database at ${this.db.where} went away (${(err as Error).message}); waiting`);
      await this.db.reset();
      await this.db.connect(signal);
      return undefined;
    }
  }

  /** Every sector of both pipelines, page by page; only states not written before in this run are sent. */
  private async pollSectors(): Promise<true> {
    for (const table of ['sdr', 'snap'] as const) {
      let after: [number, number] = [-1, -1];
      for (;;) {
        const rows = await this.db.pipelinePage(table, after, PAGE);
        const events = [];
        for (const r of rows) {
          const ev = pipelineEvent(r, this.ctx);
          if (!ev) continue;
          const key = `${table}-${r.spId}-${r.sectorNumber}`;
          if (this.seen.get(key) === ev.id) continue;
          if (this.seen.size >= (this.o.maxSectors ?? 200_000)) this.seen.clear();
          this.seen.set(key, ev.id);
          events.push(ev);
        }
        if (events.length > 0) {
          this.sectorEvents += events.length;
          this.o.stats?.count(events);
          await this.o.sink.write(toDocumentBatch(events, this.writer, () => {})).catch((err: unknown) => {
            throw new SinkFailed(err);
          });
        }
        if (rows.length < PAGE) break;
        after = [rows[rows.length - 1]!.spId, rows[rows.length - 1]!.sectorNumber];
      }
    }
    return true;
  }
}
