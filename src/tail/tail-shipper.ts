import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import { AckTracker } from '../checkpoints/ack-tracker.js';
import type { CheckpointAt, Registry } from '../checkpoints/registry.js';
import { DocumentWriter } from '../documents/serialize.js';
import { StreamFlow, type EventBatch, type FlowContext, type StreamOptions } from '../flow.js';
import { toSinkBatch, type ShipStats } from '../shipper.js';
import type { BulkSink } from '../sink/bulk-sink.js';
import { Discovery } from '../sources/discovery.js';
import { READ_CHUNK_BYTES, TailedFile, statPath } from '../sources/file-tailer.js';
import { FINGERPRINT_BYTES } from '../sources/fingerprint.js';
import { formatBytes, type HealthSnapshot } from './health.js';
import { LiveStreams, identify, type LiveStream, type StreamId } from './identify.js';

/**
 * `sealtrail run`: the continuous shipper. The data flows one way:
 *
 *   discovery (chokidar hints + a slow rescan) → one reader per file (pread by
 *   offset) → StreamFlow → documents → BulkSink → acks → checkpoints (registry)
 *
 * A reader is one open file (one dev:ino); a stream is one content identity
 * read through it (`identify.ts`; its flow and acknowledgement frontier). A
 * file truncated in place (copytruncate) gets a new stream.
 */
export interface TailInput {
  globs: string[];
  /** Host, zone, format, miner for the files of this input (startOffset is set per file). */
  opts: StreamOptions;
}

export interface TailOptions {
  inputs: TailInput[];
  ctx: FlowContext;
  sink: BulkSink;
  stats: ShipStats;
  /** Checkpoints: read at start, advanced on acknowledgements. */
  registry: Registry | undefined;
  log: (line: string) => void;
  usePolling?: boolean;
  /** Read what is there and stop (no watcher): `run --once --registry`. */
  once?: boolean;
  /** Files read at the same time (default 4). */
  readConcurrency?: number;
  /** An entry held open is emitted after this long without new bytes (default 1.5 s). */
  multilineTimeoutMs?: number;
  /** Walk the globs again this often, whatever the watcher said (default 10 s). */
  rescanMs?: number;
  /** A renamed-away or deleted file, read to its end, is closed after this long without growth (default 5 s). */
  lingerMs?: number;
  /** A file without new bytes for this long is closed until it changes (default 5 min). */
  inactiveMs?: number;
  /** A stream resumed at a checkpoint first re-reads up to this many bytes before it for sector context (default 64 MiB). */
  warmUpBytes?: number;
  /** A file shorter than a KiB is identified by what it holds once it has not grown for this long (default 10 s). */
  shortFileWaitMs?: number;
  /** With more than 256 files open, a file without new bytes for this long is closed until it changes (default 30 s). */
  inactiveWhenManyMs?: number;
}

/** Pumps of the same file start at most this often: a trickle of writes is read in small batches, not per write. */
const MIN_PUMP_GAP_MS = 100;
/** A pump yields to other files after this many bytes. */
const FAIR_SHARE_BYTES = 16 * 1024 * 1024;
/** While reading a backlog, the size and first line are looked at again after this many bytes. */
const CHECK_EVERY_BYTES = 1024 * 1024;
/** Quiet files that keep their flow (and its sector tracker) for when they grow again. */
const MAX_QUIET_FLOWS = 8;
/** With more files open than this, quiet ones are closed sooner: each holds a descriptor and a flow. */
const MANY_OPEN_FILES = 256;
/** Every this many rescans, every known path is looked at again, whatever the watcher said. */
const SWEEP_EVERY_TICKS = 6;
/** Warm-ups longer than this are announced (they take seconds). */
const ANNOUNCE_WARM_UP_BYTES = 8 * 1024 * 1024;

interface Stream {
  id: StreamId;
  flow: StreamFlow;
  writer: DocumentWriter;
  tracker: AckTracker;
  /** Its file was rewritten (truncated): its checkpoint stays, owned by no file, for a copy of the old content. */
  retired: boolean;
}

class Reader {
  stream: Stream | undefined;
  /** Next byte to read. */
  offset = 0;
  /** When bytes were last read (or the file was opened). */
  lastGrowth = Date.now();
  /** Its path still names this file. */
  attached = true;
  detachedAt = 0;
  closed = false;
  pumping = false;
  queued = false;
  again = false;
  timer: NodeJS.Timeout | undefined;
  timerAt = 0;
  lastPumpEnd = 0;
  /** The stream it had before a truncation: the next stream starts at 0. */
  truncatedFrom: Stream | undefined;
  /** The flow it had when it was closed as quiet: reopened where it stopped, it goes on with it (no warm-up). */
  quietFlow: QuietFlow | undefined;
  /** The size at which its first KiB was last compared with its stream's. */
  headCheckedAt = -1;
  /** Its stream, as other files are identified against it. */
  live: LiveStream | undefined;
  /** A file too short to identify: its size, and since when it has had that size. */
  shortSize = -1;
  shortSince = 0;

  constructor(
    readonly file: TailedFile,
    public path: string,
    readonly input: TailInput,
  ) {}
}

interface QuietFlow {
  identity: string;
  offset: number;
  flow: StreamFlow;
}

interface Dormant {
  key: string;
  size: number;
  identity: string | undefined;
  quietFlow?: QuietFlow;
}

/** The sink failed for good (refused credentials, a request it cannot retry): the shipper stops. */
class SinkFailed extends Error {
  constructor(readonly error: unknown) {
    super((error as Error)?.message ?? String(error));
  }
}

export class TailShipper {
  private readonly ctx: FlowContext;
  private readonly sink: BulkSink;
  private readonly stats: ShipStats;
  private readonly registry: Registry | undefined;
  private readonly log: (line: string) => void;
  private readonly once: boolean;
  private readonly multilineMs: number;
  private readonly rescanMs: number;
  private readonly lingerMs: number;
  private readonly inactiveMs: number;
  private readonly pumpGapMs: number;
  private readonly warmUpBytes: number;
  private readonly shortFileWaitMs: number;
  private readonly inactiveWhenManyMs: number;
  private readonly queue: PQueue;
  private readonly discovery: Discovery;
  private readonly matchers: { input: TailInput; matches: (path: string) => boolean }[];
  private readonly plainPaths: Set<string>;

  /** Open files by dev:ino. */
  private readonly readers = new Map<string, Reader>();
  /** Which reader a path names now. */
  private readonly byPath = new Map<string, Reader>();
  /** Files closed while quiet (or left to a copy with the same content): not reopened until they change. */
  private readonly dormant = new Map<string, Dormant>();
  /** The streams being read now, for `identify`. */
  private readonly live = new LiveStreams();
  /** Paths left alone because another file with the same content is being read: its identity. */
  private readonly shadowed = new Map<string, string>();
  /** Paths that could not be read, with the reason last logged. */
  private readonly problems = new Map<string, string>();
  private readonly hints = new Set<string>();
  private hintLoop: Promise<void> | undefined;
  private readonly buffers: Buffer[] = [];
  private ticker: NodeJS.Timeout | undefined;
  private stopping = false;
  private stopRequest: { promise: Promise<Error | undefined>; resolve: (e: Error | undefined) => void };
  private failure: Error | undefined;
  /** Files read to their end and let go (deleted, rotated away). */
  closedFiles = 0;
  truncations = 0;
  /** Files opened for reading since start. */
  opened = 0;
  /** Times a file was read, or its first KiB compared (an idle file should cost neither). */
  fileReads = 0;

  constructor(opts: TailOptions) {
    this.ctx = opts.ctx;
    this.sink = opts.sink;
    this.stats = opts.stats;
    this.registry = opts.registry;
    this.log = opts.log;
    this.once = opts.once ?? false;
    this.multilineMs = opts.multilineTimeoutMs ?? 1500;
    this.rescanMs = opts.rescanMs ?? 10_000;
    this.lingerMs = opts.lingerMs ?? 5000;
    this.warmUpBytes = opts.warmUpBytes ?? 64 * 1024 * 1024;
    this.shortFileWaitMs = opts.shortFileWaitMs ?? 10_000;
    this.inactiveWhenManyMs = opts.inactiveWhenManyMs ?? 30_000;
    this.inactiveMs = opts.inactiveMs ?? 5 * 60_000;
    this.pumpGapMs = this.once ? 0 : MIN_PUMP_GAP_MS;
    this.queue = new PQueue({ concurrency: opts.readConcurrency ?? 4 });
    const globs = opts.inputs.flatMap((i) => i.globs);
    this.discovery = new Discovery(globs, { usePolling: opts.usePolling ?? false, onHint: (p) => this.hint(p), log: this.log });
    this.matchers = opts.inputs.map((input) => ({ input, matches: Discovery.matcher(input.globs) }));
    this.plainPaths = new Set(this.discovery.plainPaths);
    let resolve!: (e: Error | undefined) => void;
    const promise = new Promise<Error | undefined>((r) => (resolve = r));
    this.stopRequest = { promise, resolve };
  }

  /** Watches (unless once), walks the globs and starts reading. */
  async start(): Promise<void> {
    if (!this.once) await this.discovery.start();
    for (const g of this.discovery.unmatched()) this.log(`${g} matches no file yet${this.once ? '' : '; watching for it'}`);
    for (const p of this.discovery.scan()) this.hint(p);
    if (!this.once) {
      this.ticker = setInterval(() => this.tick(), this.rescanMs);
      this.registry?.autoSave(1000, () => this.liveFingerprints());
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
      if (this.hintLoop) await this.hintLoop;
      await this.queue.onIdle();
      if (!this.hintLoop && this.hints.size === 0 && this.queue.size === 0 && this.queue.pending === 0) return;
    }
  }

  /** Paths that could not be read (for `--once`'s summary). */
  get unreadable(): number {
    return this.problems.size;
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
    if (this.stopped) return this.stopped;
    this.stopped = this.doStop(drainMs);
    return this.stopped;
  }

  private stopped: Promise<boolean> | undefined;

  private async doStop(drainMs: number): Promise<boolean> {
    this.stopping = true;
    this.lastSnapshot = this.snapshot();
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    for (const r of this.readers.values()) this.clearWake(r);
    await this.discovery.close();
    this.queue.clear();
    let drained = false;
    if (drainMs > 0) {
      const ac = new AbortController();
      const drain = this.sink.drain().then(
        () => true,
        (err: unknown) => {
          this.log(`shutdown: ${(err as Error)?.message ?? String(err)}`);
          return false;
        },
      );
      drained = await Promise.race([drain, sleep(drainMs, false, { signal: ac.signal }).catch(() => false)]);
      ac.abort();
      if (!drained && !this.failure) {
        this.log(`shutdown: not everything was acknowledged within ${Math.round(drainMs / 1000)} s; it stays unacknowledged and is read again at the next start`);
      }
    } else {
      drained = this.sink.inFlight === 0;
    }
    this.lastSnapshot = this.snapshot();
    const live = this.liveFingerprints();
    this.sink.close();
    for (const r of [...this.readers.values()]) {
      r.closed = true;
      await r.file.close();
    }
    this.readers.clear();
    this.byPath.clear();
    if (this.registry) {
      this.registry.prune(live);
      await this.registry.close();
    }
    return drained;
  }

  private lastSnapshot: HealthSnapshot | undefined;

  snapshot(): HealthSnapshot {
    if (this.stopping && this.lastSnapshot && this.readers.size === 0) return { ...this.lastSnapshot, inFlightBytes: this.sink.inFlight };
    let lag = 0;
    let unread = 0;
    for (const r of this.readers.values()) {
      // The size now, not at the last read: during an outage reading waits, and the file grows meanwhile.
      const size = r.file.sizeNow();
      lag += Math.max(0, size - (r.stream ? r.stream.tracker.committed : 0));
      unread += Math.max(0, size - r.offset);
    }
    const c = this.sink.counters;
    return {
      files: this.readers.size,
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

  /** Fingerprints of files that are there (open, or closed while quiet): their checkpoints are kept. */
  private liveFingerprints(): Set<string> {
    const live = new Set<string>();
    for (const r of this.readers.values()) if (r.stream && !r.stream.retired) live.add(r.stream.id.identity);
    for (const d of this.dormant.values()) if (d.identity) live.add(d.identity);
    return live;
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
    const seen = new Set(this.discovery.scan());
    for (const p of seen) if (sweep || (!this.byPath.has(p) && !this.dormant.has(p))) this.hint(p);
    for (const p of this.byPath.keys()) if (sweep || !seen.has(p)) this.hint(p);
    for (const p of this.dormant.keys()) if (sweep || !seen.has(p)) this.hint(p);
    // The file is the truth: a change the watcher missed shows in its size (one fstat, no read).
    const now = Date.now();
    const inactive = this.inactiveAfter();
    for (const r of this.readers.values()) {
      if (r.pumping || r.queued) continue;
      if (!r.stream || !r.attached || r.stream.flow.holding || now - r.lastGrowth >= inactive || r.file.sizeNow() !== r.offset) this.schedule(r);
    }
  }

  private ticks = 0;

  /** How long a file may stay quiet before it is closed until it changes. */
  private inactiveAfter(): number {
    return this.readers.size > MANY_OPEN_FILES ? Math.min(this.inactiveMs, this.inactiveWhenManyMs) : this.inactiveMs;
  }

  private hint(path: string): void {
    if (this.stopping) return;
    this.hints.add(path);
    this.kickHints();
  }

  private kickHints(): void {
    if (this.hintLoop) return;
    this.hintLoop = this.processHints().finally(() => {
      this.hintLoop = undefined;
      // A hint that came as the loop was ending.
      if (this.hints.size > 0 && !this.stopping) this.kickHints();
    });
  }

  private async processHints(): Promise<void> {
    while (this.hints.size > 0 && !this.stopping) {
      const path = this.hints.values().next().value as string;
      this.hints.delete(path);
      try {
        await this.check(path);
      } catch (err) {
        this.problem(path, err);
      }
    }
  }

  private inputFor(path: string): TailInput | undefined {
    for (const m of this.matchers) if (m.matches(path)) return m.input;
    return undefined;
  }

  /** What is at `path` now, against what we have open. One at a time. */
  private async check(path: string): Promise<void> {
    const input = this.inputFor(path);
    if (!input) return;
    const info = await statPath(path);
    const current = this.byPath.get(path);
    if (!info || info.kind !== 'file') {
      if (current) this.detach(current);
      this.dormant.delete(path);
      this.shadowed.delete(path);
      if (!info) this.problems.delete(path);
      else if (this.plainPaths.has(path)) this.problem(path, info.kind === 'directory' ? 'it is a directory, not a file; skipped' : 'it is not a regular file; skipped');
      return;
    }
    const known = this.readers.get(info.key);
    if (current && current !== known) this.detach(current); // renamed away, and a new file took the name
    if (known) {
      this.attach(known, path);
      this.schedule(known);
      return;
    }
    const d = this.dormant.get(path);
    if (d && d.key === info.key && d.size === info.size) return;
    const quietFlow = d && d.key === info.key ? d.quietFlow : undefined;
    this.dormant.delete(path);
    let file: TailedFile;
    try {
      file = await TailedFile.open(path);
    } catch (err) {
      this.problem(path, err);
      return;
    }
    if (file.key !== info.key || this.readers.has(file.key) || this.stopping) {
      // Replaced between stat and open: look again.
      await file.close();
      if (!this.stopping) this.hint(path);
      return;
    }
    if (this.problems.delete(path)) this.log(`${path} is readable now`);
    const r = new Reader(file, path, input);
    r.quietFlow = quietFlow;
    this.opened++;
    this.readers.set(file.key, r);
    this.attach(r, path);
    this.schedule(r);
  }

  private attach(r: Reader, path: string): void {
    if (r.path !== path && this.byPath.get(r.path) === r) this.byPath.delete(r.path);
    r.path = path;
    r.attached = true;
    this.byPath.set(path, r);
  }

  /** Its path no longer names it (rotated away or deleted): read it to its end, then let go. */
  private detach(r: Reader): void {
    if (this.byPath.get(r.path) === r) this.byPath.delete(r.path);
    if (!r.attached) return;
    r.attached = false;
    r.detachedAt = Date.now();
    this.schedule(r);
  }

  private problem(path: string, err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    if (typeof err !== 'string' && (e?.code === 'ENOENT' || e?.code === 'ENOTDIR')) return;
    const what =
      typeof err === 'string'
        ? err
        : e.code === 'EACCES' || e.code === 'EPERM'
          ? 'permission denied; retrying every rescan'
          : e.code === 'EISDIR'
            ? 'it is a directory, not a file; skipped'
            : `${e.message ?? String(err)}; retrying every rescan`;
    if (this.problems.get(path) === what) return;
    this.problems.set(path, what);
    this.log(`cannot read ${path}: ${what} [E_INPUT]`);
  }

  // ---- reading ---------------------------------------------------------

  private schedule(r: Reader): void {
    if (r.closed || this.stopping) return;
    if (r.pumping) {
      r.again = true;
      return;
    }
    if (r.queued) return;
    const wait = r.lastPumpEnd + this.pumpGapMs - Date.now();
    if (wait > 0) {
      this.wakeIn(r, wait);
      return;
    }
    this.clearWake(r);
    r.queued = true;
    void this.queue.add(() => this.pump(r));
  }

  private wakeIn(r: Reader, ms: number): void {
    if (this.once || r.closed || this.stopping) return;
    const at = Date.now() + ms;
    if (r.timer && r.timerAt <= at) return;
    if (r.timer) clearTimeout(r.timer);
    r.timerAt = at;
    r.timer = setTimeout(
      () => {
        r.timer = undefined;
        this.schedule(r);
      },
      Math.max(0, ms),
    );
  }

  private clearWake(r: Reader): void {
    if (r.timer) clearTimeout(r.timer);
    r.timer = undefined;
  }

  private async pump(r: Reader): Promise<void> {
    r.queued = false;
    if (r.closed || this.stopping) return;
    r.pumping = true;
    const scratch = this.buffers.pop() ?? Buffer.allocUnsafe(READ_CHUNK_BYTES);
    try {
      await this.readAvailable(r, scratch);
    } catch (err) {
      if (err instanceof SinkFailed) this.fatal(err.error);
      else if (!this.stopping) {
        // A read error (EIO, ESTALE on NFS): let go; the next rescan opens it again at its checkpoint.
        this.problem(r.path, err);
        await this.closeReader(r);
      }
    } finally {
      this.buffers.push(scratch);
      r.pumping = false;
      r.lastPumpEnd = Date.now();
      if (r.again && !r.closed) {
        r.again = false;
        this.schedule(r);
      }
    }
  }

  /** Reads what the file holds beyond our offset, then handles the timeouts at its end. */
  private async readAvailable(r: Reader, scratch: Buffer): Promise<void> {
    let budget = FAIR_SHARE_BYTES;
    let size = -1; // from the last fstat; -1: look again
    let sinceCheck = 0;
    let emptyReads = 0;
    for (;;) {
      if (r.closed || this.stopping) return;
      if (size < 0 || r.offset >= size || sinceCheck >= CHECK_EVERY_BYTES) {
        // The file is the truth: its size, and whether it is still the same content.
        size = await r.file.refresh();
        sinceCheck = 0;
        if (r.stream) {
          // Its first KiB is read again only when its size moved: an idle file costs one fstat per look.
          if (size < r.offset || (size !== r.headCheckedAt && !(await this.sameHead(r, r.stream)))) {
            await this.restartTruncated(r);
            size = -1;
            continue;
          }
          r.headCheckedAt = size;
        } else if (!(await this.startStream(r, size, scratch))) {
          return;
        }
      }
      const s = r.stream!;
      if (size > r.offset) {
        if (budget <= 0) {
          r.again = true; // let other files have a turn
          return;
        }
        this.fileReads++;
        const chunk = await r.file.read(r.offset, scratch, size - r.offset);
        if (chunk.length === 0) {
          // Shorter than fstat said (truncated meanwhile): look again, but do not spin.
          if (++emptyReads > 1) return;
          size = -1;
          continue;
        }
        emptyReads = 0;
        r.offset += chunk.length;
        budget -= chunk.length;
        sinceCheck += chunk.length;
        this.stats.bytesRead += chunk.length;
        r.lastGrowth = Date.now();
        await this.ship(s, s.flow.push(chunk));
        continue;
      }
      await this.atEnd(r, s);
      return;
    }
  }

  /** Caught up with the file: the multi-line timeout, and letting go of finished or quiet files. */
  private async atEnd(r: Reader, s: Stream): Promise<void> {
    if (this.once) {
      // Entries of complete lines are shipped; a last line without its newline waits for the next run.
      if (s.flow.holding) await this.ship(s, s.flow.flushOpen());
      await this.closeReader(r);
      return;
    }
    const now = Date.now();
    const idle = now - r.lastGrowth;
    if (!r.attached) {
      const quiet = now - Math.max(r.lastGrowth, r.detachedAt);
      if (quiet >= this.lingerMs) {
        // Renamed away or deleted, read to its end and quiet: finished. Its last entry and line are complete.
        await this.ship(s, s.flow.end());
        this.closedFiles++;
        await this.closeReader(r);
        return;
      }
      this.wakeIn(r, this.lingerMs - quiet);
    }
    if (s.flow.holding) {
      if (idle >= this.multilineMs) await this.ship(s, s.flow.flushOpen());
      else this.wakeIn(r, this.multilineMs - idle);
    } else if (r.attached && idle >= this.inactiveAfter() && s.tracker.pending === 0) {
      const quietFlow = { identity: s.id.identity, offset: r.offset, flow: s.flow };
      this.dormant.set(r.path, { key: r.file.key, size: r.file.size, identity: s.id.identity, quietFlow });
      this.boundQuietFlows();
      await this.closeReader(r);
    }
  }

  /**
   * A glob over rotated files leaves many quiet files that will never grow
   * again; each kept flow holds a sector tracker, so only the most recently
   * quiet keep theirs (the others warm up again if they do grow).
   */
  private boundQuietFlows(): void {
    let kept = 0;
    const newestFirst = [...this.dormant.values()].reverse();
    for (const d of newestFirst) if (d.quietFlow && ++kept > MAX_QUIET_FLOWS) d.quietFlow = undefined;
  }

  /** A reader's first stream: which content it is (`identify.ts`) and where to start. */
  private async startStream(r: Reader, size: number, scratch: Buffer): Promise<boolean> {
    const head = await r.file.head();
    const complete = this.once || (!r.attached && Date.now() - Math.max(r.lastGrowth, r.detachedAt) >= this.lingerMs);
    const previous = r.truncatedFrom;
    let rewritten = previous?.id;
    let verdict;
    for (;;) {
      const quietShort = this.quietShort(r, head.length);
      verdict = await identify({ file: r.file, path: r.path, head, complete, quietShort, rewritten, registry: this.registry, live: this.live });
      if (verdict.kind !== 'stream' || rewritten || (verdict.checkpoint?.offset ?? 0) <= size) break;
      // Shorter than its checkpoint: rewritten while the shipper was away. What was shipped from it stays.
      this.log(`${r.path} is shorter than its checkpoint (${size} < ${verdict.checkpoint!.offset} bytes): rewritten; reading it again from the start under a new identity`);
      this.registry?.release(verdict.id.identity);
      rewritten = verdict.id;
    }
    if (r.closed || this.stopping) return false;
    if (verdict.kind === 'wait') {
      // The first KiB is not there yet: its bytes are the file's identity, so wait for them (or for the file to go quiet).
      if (complete) {
        this.closedFiles++;
        await this.closeReader(r);
      } else if (!r.attached) this.wakeIn(r, this.lingerMs);
      else if (head.length > 0) this.wakeIn(r, Math.max(0, this.shortFileWaitMs - (Date.now() - r.shortSince)) + 10);
      return false;
    }
    if (verdict.kind === 'copy') {
      // The same content through another inode (a copy, e.g. copytruncate's): one reader is enough.
      const { holder, stale } = verdict;
      if (!stale && !this.shadowed.has(r.path)) this.log(`${r.path} holds the same content as ${holder.path}: read once, through it`);
      this.shadowed.set(r.path, holder.id.identity);
      if (r.attached) this.dormant.set(r.path, { key: r.file.key, size, identity: holder.id.identity });
      if (stale) for (const o of this.readers.values()) if (o.file === holder.file) this.schedule(o);
      await this.closeReader(r);
      return false;
    }
    if (verdict.note) this.log(verdict.note);
    const id = verdict.id;
    r.truncatedFrom = undefined;
    const start = rewritten ? 0 : (verdict.checkpoint?.offset ?? 0);
    const s: Stream = { id, flow: undefined as unknown as StreamFlow, writer: new DocumentWriter(), tracker: undefined as unknown as AckTracker, retired: false };
    this.registry?.advance(id.identity, this.checkpointAt(r, s, start));
    const q = r.quietFlow;
    r.quietFlow = undefined;
    const goOn = q !== undefined && q.identity === id.identity && q.offset === start;
    s.flow = goOn ? q.flow : new StreamFlow(this.ctx, { path: r.path, fingerprint: id.identity }, { ...r.input.opts, startOffset: start });
    s.tracker = new AckTracker(start, (offset) => this.registry?.advance(id.identity, this.checkpointAt(r, s, offset)));
    if (start > 0 && !goOn) await this.warmUp(r, s.flow, start, scratch);
    if (r.closed || this.stopping) return false;
    r.stream = s;
    r.offset = start;
    r.live = { id, file: r.file, get path() { return r.path; }, get offset() { return r.offset; } };
    this.live.add(r.live);
    return true;
  }

  /** What the registry keeps for a stream at `offset`: a retired stream's checkpoint belongs to no file. */
  private checkpointAt(r: Reader, s: Stream, offset: number): CheckpointAt {
    const { identity, content, head } = s.id;
    return {
      path: r.path,
      dev: s.retired ? '' : r.file.dev,
      ino: s.retired ? '' : r.file.ino,
      offset,
      ...(content !== identity ? { content } : {}),
      ...(head !== FINGERPRINT_BYTES ? { head } : {}),
    };
  }

  /** Has this short file kept its size for `shortFileWaitMs`? Then it is identified by what it holds. */
  private quietShort(r: Reader, length: number): boolean {
    if (length === 0 || length >= FINGERPRINT_BYTES) return false;
    const now = Date.now();
    if (r.shortSize !== length) {
      r.shortSize = length;
      r.shortSince = now;
    }
    return now - r.shortSince >= this.shortFileWaitMs;
  }

  /**
   * The sector context of a resumed stream, from the bytes before its
   * checkpoint (at most `warmUpBytes`: a state whose previous change lies
   * further back gets no previous state or duration after a restart).
   */
  private async warmUp(r: Reader, flow: StreamFlow, start: number, scratch: Buffer): Promise<void> {
    const from = Math.max(0, start - this.warmUpBytes);
    if (start - from > ANNOUNCE_WARM_UP_BYTES) this.log(`${r.path}: resuming at byte ${start}; re-reading the ${formatBytes(start - from)} before it for sector context`);
    flow.beginWarmUp(from);
    for (let at = from; at < start && !this.stopping; ) {
      const chunk = await r.file.read(at, scratch, start - at);
      if (chunk.length === 0) break; // shrank meanwhile: the next size check sees it
      flow.warmUp(chunk);
      at += chunk.length;
    }
    flow.endWarmUp();
  }

  private async sameHead(r: Reader, s: Stream): Promise<boolean> {
    this.fileReads++;
    const head = await r.file.head();
    const want = s.id.headBytes;
    return head.length >= want.length && head.subarray(0, want.length).equals(want);
  }

  /** The file shrank below what we read, or its first line changed: copytruncate (or a rewrite in place). */
  private async restartTruncated(r: Reader): Promise<void> {
    const old = r.stream!;
    this.log(`${r.path} was truncated (copytruncate?); reading it again from the start`);
    this.truncations++;
    // Nothing more will come for the entry held open: it is complete.
    await this.ship(old, old.flow.flushOpen());
    old.retired = true;
    this.registry?.release(old.id.identity);
    if (r.live) this.live.delete(r.live);
    r.live = undefined;
    r.stream = undefined;
    r.truncatedFrom = old;
    r.offset = 0;
    r.lastGrowth = Date.now();
    this.rehintShadowed(old.id.identity);
  }

  private async ship(s: Stream, batch: EventBatch): Promise<void> {
    const ticket = s.tracker.add(batch.resumeAt);
    if (batch.events.length === 0) {
      s.tracker.ack(ticket);
      return;
    }
    const sinkBatch = toSinkBatch(batch, s.writer, this.stats, () => s.tracker.ack(ticket));
    try {
      await this.sink.write(sinkBatch);
    } catch (err) {
      throw new SinkFailed(err);
    }
  }

  private async closeReader(r: Reader): Promise<void> {
    if (r.closed) return;
    r.closed = true;
    this.clearWake(r);
    if (this.readers.get(r.file.key) === r) this.readers.delete(r.file.key);
    if (this.byPath.get(r.path) === r) this.byPath.delete(r.path);
    if (r.live) this.live.delete(r.live);
    r.live = undefined;
    await r.file.close();
    if (r.stream) this.rehintShadowed(r.stream.id.identity);
  }

  /** A copy left alone because of `identity` may now be read. */
  private rehintShadowed(identity: string): void {
    for (const [path, id] of this.shadowed) {
      if (id !== identity) continue;
      this.shadowed.delete(path);
      this.dormant.delete(path);
      this.hint(path);
    }
  }
}
