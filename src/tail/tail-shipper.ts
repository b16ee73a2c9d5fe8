import type { Registry } from '../checkpoints/registry.js';
import { toDocumentBatch } from '../documents/document-batch.js';
import { SinkFailed } from '../errors.js';
import type { EventBatch, FlowContext } from '../flow-context.js';
import type { SealEvent } from '../model.js';
import { drainWithin, type Sink } from '../sink/event-sink.js';
import { Discovery } from '../sources/discovery.js';
import type { HealthSnapshot } from './health.js';
import { HintQueue } from './hints.js';
import { LiveStreams } from './identify.js';
import { FileReader } from './reader.js';
import { PathTable } from './reconcile.js';
import { ReadScheduler } from './scheduler.js';
import type { ShipStats } from './ship-stats.js';
import type { ReadVerdict, ReaderEnv, Stream, TailOptions } from './tail-types.js';

export type { TailInput, TailOptions } from './tail-types.js';

const DONE = Promise.resolve();
const NO_EVENTS = Object.freeze([]) as unknown as SealEvent[];
const sinkFailed = (err: unknown): Promise<never> => Promise.reject(new SinkFailed(err));
/** With more files open than this, quiet ones are closed sooner: each holds a descriptor and a flow. */
const MANY_OPEN_FILES = 256;
/** Every this many rescans, every known path is looked at again, whatever the watcher said. */
const SWEEP_EVERY_TICKS = 6;

/**
 * `sealtrail run`: the continuous shipper. The data flows one way:
 *
 *   discovery (chokidar hints + a slow rescan) → paths to files (reconcile.ts)
 *   → one reader per file (reader.ts: pread by offset, identity, resume)
 *   → StreamFlow → documents → sink (events, sectors) → acks → checkpoints (registry)
 *
 * This class owns the lifecycle (start, stop, the registry's saves, the
 * status snapshot) and the wiring: hints to the path table, readers to the
 * scheduler (scheduler.ts), and what each look at a file came to.
 */
export class TailShipper {
  private readonly sink: Sink;
  private readonly stats: ShipStats;
  private readonly registry: Registry | undefined;
  private readonly log: (line: string) => void;
  private readonly once: boolean;
  private readonly rescanMs: number;
  private readonly inactiveMs: number;
  private readonly inactiveWhenManyMs: number;
  private readonly scheduler: ReadScheduler;
  private readonly discovery: Discovery;
  private readonly paths: PathTable;
  private readonly env: ReaderEnv;
  private readonly hints: HintQueue;
  private ticker: NodeJS.Timeout | undefined;
  private ticks = 0;
  private stopping = false;
  private stopRequest: { promise: Promise<Error | undefined>; resolve: (e: Error | undefined) => void };
  private failure: Error | undefined;
  private stopped: Promise<boolean> | undefined;
  private lastSnapshot: HealthSnapshot | undefined;
  /** Files read to their end and let go (deleted, rotated away). */
  closedFiles = 0;
  truncations = 0;

  constructor(opts: TailOptions) {
    this.sink = opts.sink;
    this.stats = opts.stats;
    this.registry = opts.registry;
    this.log = opts.log;
    this.once = opts.once ?? false;
    this.rescanMs = opts.rescanMs ?? 10_000;
    this.inactiveMs = opts.inactiveMs ?? 5 * 60_000;
    this.inactiveWhenManyMs = opts.inactiveWhenManyMs ?? 30_000;
    this.scheduler = new ReadScheduler({
      concurrency: opts.readConcurrency ?? 4,
      once: this.once,
      onVerdict: (r, v) => this.act(r, v),
      onError: (r, err) => this.failedRead(r, err),
    });
    this.env = {
      ctx: opts.ctx,
      registry: opts.registry,
      live: new LiveStreams(),
      once: this.once,
      multilineMs: opts.multilineTimeoutMs ?? 1500,
      lingerMs: opts.lingerMs ?? 5000,
      shortFileWaitMs: opts.shortFileWaitMs ?? 10_000,
      warmUpBytes: opts.warmUpBytes ?? 64 * 1024 * 1024,
      inactiveMs: () => this.inactiveAfter(),
      stopping: () => this.stopping,
      log: this.log,
      ship: (s, batch) => this.ship(s, batch),
      counters: this.stats,
    };
    const globs = opts.inputs.flatMap((i) => i.globs);
    this.hints = new HintQueue((path) => this.look(path), () => this.stopping);
    this.discovery = new Discovery(globs, { usePolling: opts.usePolling ?? false, onHint: (p) => this.hint(p), log: this.log });
    this.paths = new PathTable(opts.inputs, this.discovery.plainPaths, (file, path, input, quietFlow) => new FileReader(file, path, input, this.env, quietFlow), this.log);
    let resolve!: (e: Error | undefined) => void;
    const promise = new Promise<Error | undefined>((r) => (resolve = r));
    this.stopRequest = { promise, resolve };
  }

  /** Files opened for reading since start. */
  get opened(): number {
    return this.paths.opened;
  }

  /** Times a file was read, or its first KiB compared (an idle file should cost neither). */
  get fileReads(): number {
    return this.stats.fileReads;
  }

  /** Watches (unless once), walks the globs and starts reading. */
  async start(): Promise<void> {
    if (!this.once) await this.discovery.start();
    for (const g of this.discovery.unmatched()) this.log(`${g} matches no file yet${this.once ? '' : '; watching for it'}`);
    for (const p of this.discovery.scan()) this.hint(p);
    if (!this.once) {
      this.ticker = setInterval(() => this.tick(), this.rescanMs);
      this.registry?.autoSave(1000, () => this.paths.liveIdentities());
    }
  }

  /** Resolves when a stop is requested (a signal, or a failure: then with the error). */
  get stopRequested(): Promise<Error | undefined> {
    return this.stopRequest.promise;
  }

  requestStop(): void {
    this.stopRequest.resolve(undefined);
  }

  /** `--once`: everything there now is read (the caller then drains the sink). */
  async idle(): Promise<void> {
    for (;;) {
      await this.hints.settled();
      const idle = await this.scheduler.onIdle();
      if (idle && this.hints.idle) return;
    }
  }

  /** Paths that could not be read (for `--once`'s summary). */
  get unreadable(): number {
    return this.paths.unreadable;
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  /**
   * Graceful stop: no more discovery or reading; what was handed to the sink
   * gets up to `drainMs` to be acknowledged (open entries are not flushed: their
   * checkpoint stays at their start); then the registry is written. Returns
   * whether everything handed to the sink was acknowledged.
   */
  async stop(drainMs: number): Promise<boolean> {
    this.stopped ??= this.doStop(drainMs);
    return this.stopped;
  }

  private async doStop(drainMs: number): Promise<boolean> {
    this.stopping = true;
    this.lastSnapshot = this.snapshot();
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.scheduler.stop();
    await this.discovery.close();
    const drained = drainMs > 0 ? await drainWithin(this.sink, drainMs, this.log, () => this.failure !== undefined) : this.sink.inFlight === 0;
    this.lastSnapshot = this.snapshot();
    const live = this.paths.liveIdentities();
    this.sink.close();
    for (const r of [...this.paths.readers.values()]) await r.close();
    this.paths.clear();
    if (this.registry) {
      this.registry.prune(live);
      await this.registry.close();
    }
    return drained;
  }

  snapshot(): HealthSnapshot {
    const readers = this.paths.readers;
    if (this.stopping && this.lastSnapshot && readers.size === 0) return { ...this.lastSnapshot, inFlightBytes: this.sink.inFlight };
    const { lag, unread } = this.paths.backlog();
    const c = this.sink.counters;
    return {
      files: readers.size,
      lagBytes: lag,
      unreadBytes: unread,
      byAction: this.stats.byAction,
      events: this.stats.entries,
      bytesRead: this.stats.bytesRead,
      indexed: c.shipped,
      retries: c.retried,
      deadLettered: c.deadLettered,
      inFlightBytes: this.sink.inFlight,
    };
  }

  private fatal(err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
    this.stopRequest.resolve(this.failure);
  }

  // ---- discovery -------------------------------------------------------

  private tick(): void {
    if (this.stopping) return;
    this.discovery.refresh();
    // Most rescans look only for paths that came or went; a sweep now and then looks at every
    // known path again (a rename whose new file took the name unseen by the watcher).
    const sweep = ++this.ticks % SWEEP_EVERY_TICKS === 0;
    for (const p of this.paths.toLookAt(new Set(this.discovery.scan()), sweep)) this.hint(p);
    // The file is the truth: a change the watcher missed shows in its size (one fstat, no read).
    const now = Date.now();
    const inactive = this.inactiveAfter();
    for (const r of this.paths.readers.values()) {
      if (this.scheduler.busy(r)) continue;
      if (r.worthALook(now, inactive)) this.scheduler.schedule(r);
    }
  }

  /** How long a file may stay quiet before it is closed until it changes. */
  private inactiveAfter(): number {
    return this.paths.readers.size > MANY_OPEN_FILES ? Math.min(this.inactiveMs, this.inactiveWhenManyMs) : this.inactiveMs;
  }

  private hint(path: string): void {
    this.hints.add(path);
  }

  /** A hinted path: which file it names now, and which readers are worth a look; true: look at it again. */
  private async look(path: string): Promise<boolean> {
    try {
      const { look, again } = await this.paths.check(path, () => this.stopping);
      for (const r of look) this.scheduler.schedule(r);
      return again;
    } catch (err) {
      this.paths.problem(path, err);
      return false;
    }
  }

  // ---- what a look at a file came to -----------------------------------------

  /** Does what a look at a file came to; true: look at it again at once. */
  private async act(r: FileReader, v: ReadVerdict): Promise<boolean> {
    switch (v.kind) {
      case 'again':
        this.scheduler.again(r);
        return false;
      case 'caught-up':
        if (v.wakeInMs !== undefined) this.scheduler.wakeIn(r, v.wakeInMs);
        return false;
      case 'truncated':
        this.log(`${r.path} was truncated (copytruncate?); reading it again from the start`);
        this.truncations++;
        for (const p of this.paths.released(v.old.id.identity)) this.hint(p);
        return true;
      case 'finished':
        if (v.counted) this.closedFiles++;
        await this.close(r);
        return false;
      case 'quiet':
        this.paths.park(r, v.flow);
        await this.close(r);
        return false;
      case 'copy': {
        // The same content through another inode (a copy, e.g. copytruncate's): one reader is enough.
        const { holder, stale } = v;
        if (this.paths.shadow(r, holder.id.identity, v.size) && !stale) this.log(`${r.path} holds the same content as ${holder.path}: read once, through it`);
        const other = this.paths.readerOf(holder.file);
        if (stale && other) this.scheduler.schedule(other);
        await this.close(r);
        return false;
      }
      case 'too-short':
        if (v.complete) {
          this.closedFiles++;
          await this.close(r);
        } else if (v.wakeInMs !== undefined) this.scheduler.wakeIn(r, v.wakeInMs);
        return false;
      case 'stopped':
        return false;
    }
  }

  private async failedRead(r: FileReader, err: unknown): Promise<void> {
    if (err instanceof SinkFailed) this.fatal(err.error);
    else if (!this.stopping) {
      // A read error (EIO, ESTALE on NFS): let go; the next rescan opens it again at its checkpoint.
      this.paths.problem(r.path, err);
      await this.close(r);
    }
  }

  /** Events become documents at once: only documents wait for room in the sink, not the events (test/tail-memory.test.ts). */
  private ship(s: Stream, batch: EventBatch): Promise<void> {
    const ticket = s.tracker.add(batch.resumeAt);
    const events = batch.events;
    if (events.length === 0) {
      s.tracker.ack(ticket);
      return DONE;
    }
    batch.events = NO_EVENTS; // whoever still holds the batch does not hold its events
    this.stats.count(events);
    try {
      return this.sink.write(toDocumentBatch(events, s.writer, () => s.tracker.ack(ticket))).catch(sinkFailed);
    } catch (err) {
      return sinkFailed(err);
    }
  }

  private async close(r: FileReader): Promise<void> {
    if (r.closed) return;
    this.scheduler.forget(r);
    const copies = this.paths.forget(r);
    await r.close();
    for (const p of copies) this.hint(p);
  }
}
