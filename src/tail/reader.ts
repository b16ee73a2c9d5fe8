import { AckTracker } from '../checkpoints/ack-tracker.js';
import type { CheckpointAt } from '../checkpoints/registry.js';
import { DocumentWriter } from '../documents/serialize.js';
import { StreamFlow } from '../flow.js';
import type { TailedFile } from '../sources/file-tailer.js';
import { FINGERPRINT_BYTES } from '../sources/fingerprint.js';
import { formatBytes } from './health.js';
import { identify, type LiveStream } from './identify.js';
import type { QuietFlow, ReadVerdict, ReaderEnv, Stream, TailInput } from './tail-types.js';
import { startOf } from './resume.js';

/** While reading a backlog, the size and first KiB are looked at again after this many bytes. */
const CHECK_EVERY_BYTES = 1024 * 1024;
/** Warm-ups longer than this are announced (they take seconds). */
const ANNOUNCE_WARM_UP_BYTES = 8 * 1024 * 1024;

/**
 * One open file (one dev:ino), read by byte offset. It knows where it stands
 * (offset, stream, whether its path still names it) and returns a verdict
 * from each look; when and how often it is looked at is the shipper's.
 */
export class FileReader {
  stream: Stream | undefined;
  /** Next byte to read. */
  offset = 0;
  /** When bytes were last read (or the file was opened). */
  lastGrowth = Date.now();
  /** Its path still names this file. */
  attached = true;
  detachedAt = 0;
  closed = false;
  /** Its stream, as other files are identified against it. */
  private live: LiveStream | undefined;
  /** The stream it had before a truncation: the next stream starts at 0 under another identity. */
  private truncatedFrom: Stream | undefined;
  /** A file too short to identify: its size, and since when it has had that size. */
  private shortSize = -1;
  private shortSince = 0;
  /** The size at which its first KiB was last compared with its stream's. */
  private headCheckedAt = -1;

  constructor(
    readonly file: TailedFile,
    public path: string,
    readonly input: TailInput,
    private readonly env: ReaderEnv,
    private quietFlow: QuietFlow | undefined,
  ) {}

  get holding(): boolean {
    return this.stream?.flow.holding ?? false;
  }

  /** At a rescan: is there something to do (a start, a timeout, a quiet spell, bytes the watcher did not tell of)? One fstat at most. */
  worthALook(now: number, inactiveMs: number): boolean {
    return !this.stream || !this.attached || this.holding || now - this.lastGrowth >= inactiveMs || this.file.sizeNow() !== this.offset;
  }

  /** Reads what the file holds beyond the offset (at most `budget` bytes), then looks at the timeouts at its end. */
  async read(budget: number, scratch: Buffer): Promise<ReadVerdict> {
    const env = this.env;
    let size = -1; // from the last fstat; -1: look again
    let sinceCheck = 0;
    let emptyReads = 0;
    for (;;) {
      if (this.closed || env.stopping()) return { kind: 'stopped' };
      if (size < 0 || this.offset >= size || sinceCheck >= CHECK_EVERY_BYTES) {
        // The file is the truth: its size, and whether it is still the same content.
        size = await this.file.refresh();
        sinceCheck = 0;
        if (this.stream) {
          // Its first KiB is read again only when its size moved: an idle file costs one fstat per look.
          if (size < this.offset || (size !== this.headCheckedAt && !(await this.sameHead(this.stream)))) return { kind: 'truncated', old: await this.restart() };
          this.headCheckedAt = size;
        } else {
          const v = await this.start(size, scratch);
          if (v) return v;
        }
      }
      const s = this.stream!;
      if (size <= this.offset) return this.atEnd(s);
      if (budget <= 0) return { kind: 'again' }; // let other files have a turn
      env.counters.fileReads++;
      const chunk = await this.file.read(this.offset, scratch, size - this.offset);
      if (chunk.length === 0) {
        // Shorter than fstat said (truncated meanwhile): look again, but do not spin.
        if (++emptyReads > 1) return { kind: 'caught-up', wakeInMs: undefined };
        size = -1;
        continue;
      }
      emptyReads = 0;
      this.offset += chunk.length;
      budget -= chunk.length;
      sinceCheck += chunk.length;
      env.counters.bytesRead += chunk.length;
      this.lastGrowth = Date.now();
      await env.ship(s, s.flow.push(chunk));
    }
  }

  attach(path: string): void {
    this.path = path;
    this.attached = true;
  }

  /** Its path no longer names it (rotated away or deleted): it is read to its end, then let go. */
  detach(): boolean {
    if (!this.attached) return false;
    this.attached = false;
    this.detachedAt = Date.now();
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.live) this.env.live.delete(this.live);
    this.live = undefined;
    await this.file.close();
  }

  /** Caught up with the file: the multi-line timeout, and whether it is finished or quiet. */
  private async atEnd(s: Stream): Promise<ReadVerdict> {
    const env = this.env;
    if (env.once) {
      // As in `parse`: every entry, a last line without its newline too (read again by the next run).
      await env.ship(s, s.flow.endOfRead());
      return { kind: 'finished', counted: false };
    }
    const now = Date.now();
    const idle = now - this.lastGrowth;
    let wake: number | undefined;
    if (!this.attached) {
      const quiet = now - Math.max(this.lastGrowth, this.detachedAt);
      if (quiet >= env.lingerMs) {
        // Renamed away or deleted, read to its end and quiet: finished. Its last entry and line are complete.
        await env.ship(s, s.flow.end());
        return { kind: 'finished', counted: true };
      }
      wake = env.lingerMs - quiet;
    }
    if (s.flow.holding) {
      if (idle >= env.multilineMs) await env.ship(s, s.flow.flushOpen());
      else {
        const late = s.flow.caughtUp(now);
        if (late) await env.ship(s, late);
        else wake = Math.min(wake ?? Infinity, env.multilineMs - idle);
      }
    } else if (this.attached && idle >= env.inactiveMs() && s.tracker.pending === 0) {
      return { kind: 'quiet', flow: { identity: s.id.identity, offset: this.offset, flow: s.flow } };
    }
    return { kind: 'caught-up', wakeInMs: wake };
  }

  /** The first stream: which content the file is (`identify.ts`) and where to start (`resume.ts`). Undefined once started. */
  private async start(size: number, scratch: Buffer): Promise<ReadVerdict | undefined> {
    const env = this.env;
    const head = await this.file.head();
    const complete = env.once || (!this.attached && Date.now() - Math.max(this.lastGrowth, this.detachedAt) >= env.lingerMs);
    let rewritten = this.truncatedFrom?.id;
    let verdict;
    let start = 0;
    for (;;) {
      const quietShort = this.quietShort(head.length);
      verdict = await identify({ file: this.file, path: this.path, head, complete, quietShort, rewritten, registry: env.registry, live: env.live });
      if (verdict.kind !== 'stream') break;
      const where = startOf(verdict.checkpoint, size, rewritten !== undefined);
      if (where.kind === 'start') {
        start = where.offset;
        break;
      }
      // Shorter than its checkpoint: rewritten while the shipper was away. What was shipped from it stays.
      env.log(`${this.path} is shorter than its checkpoint (${size} < ${where.checkpoint} bytes): rewritten; reading it again from the start under a new identity`);
      env.registry?.release(verdict.id.identity);
      rewritten = verdict.id;
    }
    if (this.closed || env.stopping()) return { kind: 'stopped' };
    if (verdict.kind === 'wait') {
      // The first KiB is not there yet: its bytes are the file's identity, so wait for them (or for the file to go quiet).
      const wakeInMs = complete ? undefined : !this.attached ? env.lingerMs : head.length > 0 ? Math.max(0, env.shortFileWaitMs - (Date.now() - this.shortSince)) + 10 : undefined;
      return { kind: 'too-short', complete, wakeInMs };
    }
    if (verdict.kind === 'copy') return { kind: 'copy', holder: verdict.holder, stale: verdict.stale, size };
    if (verdict.note) env.log(verdict.note);
    const id = verdict.id;
    this.truncatedFrom = undefined;
    const s: Stream = { id, flow: undefined as unknown as StreamFlow, writer: new DocumentWriter(), tracker: undefined as unknown as AckTracker, retired: false };
    env.registry?.advance(id.identity, this.checkpointAt(s, start));
    const q = this.quietFlow;
    this.quietFlow = undefined;
    const goOn = q !== undefined && q.identity === id.identity && q.offset === start;
    // Tailing, maxOpenMs: a writer that never pauses (timeless lines, a stack dump) still has its
    // entries emitted within the multi-line timeout, and an entry that can have no time takes the
    // time it is read. Read once, such an entry takes the file's modification time (or `--at`), as in `parse`.
    const timing = env.once ? { fallbackTime: this.input.opts.fallbackTime ?? (() => this.file.mtimeMs) } : { maxOpenMs: env.multilineMs };
    const opts = { ...this.input.opts, startOffset: start, ...timing };
    s.flow = goOn ? q.flow : new StreamFlow(env.ctx, { path: this.path, fingerprint: id.identity }, opts);
    s.tracker = new AckTracker(start, (offset) => env.registry?.advance(id.identity, this.checkpointAt(s, offset)));
    if (start > 0 && !goOn) await this.warmUp(s.flow, start, scratch);
    if (this.closed || env.stopping()) return { kind: 'stopped' };
    this.stream = s;
    this.offset = start;
    const self = this;
    this.live = { id, file: this.file, get path() { return self.path; }, get offset() { return self.offset; } };
    env.live.add(this.live);
    return undefined;
  }

  /** What the registry keeps for a stream at `offset`: a retired stream's checkpoint belongs to no file. */
  private checkpointAt(s: Stream, offset: number): CheckpointAt {
    const { identity, content, head } = s.id;
    return {
      path: this.path,
      dev: s.retired ? '' : this.file.dev,
      ino: s.retired ? '' : this.file.ino,
      offset,
      ...(content !== identity ? { content } : {}),
      ...(head !== FINGERPRINT_BYTES ? { head } : {}),
    };
  }

  /** Has this short file kept its size for `shortFileWaitMs`? Then it is identified by what it holds. */
  private quietShort(length: number): boolean {
    if (length === 0 || length >= FINGERPRINT_BYTES) return false;
    const now = Date.now();
    if (this.shortSize !== length) {
      this.shortSize = length;
      this.shortSince = now;
    }
    return now - this.shortSince >= this.env.shortFileWaitMs;
  }

  /**
   * The sector context of a resumed stream, from the bytes before its
   * checkpoint (at most `warmUpBytes`: a state whose previous change lies
   * further back gets no previous state or duration after a restart).
   */
  private async warmUp(flow: StreamFlow, start: number, scratch: Buffer): Promise<void> {
    const from = Math.max(0, start - this.env.warmUpBytes);
    if (start - from > ANNOUNCE_WARM_UP_BYTES) this.env.log(`${this.path}: resuming at byte ${start}; re-reading the ${formatBytes(start - from)} before it for sector context`);
    flow.beginWarmUp(from);
    for (let at = from; at < start && !this.env.stopping(); ) {
      const chunk = await this.file.read(at, scratch, start - at);
      if (chunk.length === 0) break; // shrank meanwhile: the next size check sees it
      flow.warmUp(chunk);
      at += chunk.length;
    }
    flow.endWarmUp();
  }

  private async sameHead(s: Stream): Promise<boolean> {
    this.env.counters.fileReads++;
    const head = await this.file.head();
    const want = s.id.headBytes;
    return head.length >= want.length && head.subarray(0, want.length).equals(want);
  }

  /** The file shrank below what was read, or its first KiB changed: copytruncate (or a rewrite in place). */
  private async restart(): Promise<Stream> {
    const old = this.stream!;
    // Nothing more will come for the entry held open: it is complete.
    await this.env.ship(old, old.flow.flushOpen());
    old.retired = true;
    this.env.registry?.release(old.id.identity);
    if (this.live) this.env.live.delete(this.live);
    this.live = undefined;
    this.stream = undefined;
    this.truncatedFrom = old;
    this.offset = 0;
    this.headCheckedAt = -1;
    this.lastGrowth = Date.now();
    return old;
  }
}
