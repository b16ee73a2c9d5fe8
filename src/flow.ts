import { eventId, eventIdPrefix } from './documents/event-id.js';
import { Enricher } from './enrich/enricher.js';
import { DEFAULT_JOIN_LIMITS, EntryJoiner } from './entries/entry-joiner.js';
import type { Opener } from './entries/openers.js';
import type { EventBatch, FlowContext, StreamOptions } from './flow-context.js';
import { finishEvent, newEvent } from './events/new-event.js';
import { LineSplitter, DEFAULT_MAX_LINE_BYTES } from './lines/line-splitter.js';
import type { Entry, EntryBatch, ParsedRecord, SealEvent, StreamIdentity } from './model.js';
import { RecordParser } from './records/record-parser.js';
import { fingerprintOf } from './sources/fingerprint.js';

/**
 * Timeless entries at a stream's start wait for the first time that follows,
 * but only so long: past this many, or this many characters, or at
 * `flushOpen`/`end`, they take the fallback time instead.
 */
const MAX_HELD_ENTRIES = 1000;
const MAX_HELD_CHARS = 1024 * 1024;

/**
 * The first half of the flow for one input stream, stage by stage:
 * bytes → lines → entries → records → events → enriched events.
 * Each call takes one read chunk and returns one batch.
 */
export class StreamFlow {
  private readonly splitter: LineSplitter;
  private readonly opens: Opener;
  private readonly joiner: EntryJoiner;
  private readonly records: RecordParser;
  private readonly tracker: Enricher;
  private readonly idPrefix: string;
  private lastTime = NaN;
  private held: SealEvent[] = [];
  private heldChars = 0;
  /** Where the open entry (or the first held one) starts, and when the reader, caught up, first saw it open; -1: none. */
  private openAt = -1;
  private openSince = 0;
  private lastResumeAt = 0;
  private warm: { splitter: LineSplitter | undefined; joiner: EntryJoiner; at: number } | undefined;

  constructor(
    private readonly ctx: FlowContext,
    private readonly stream: StreamIdentity,
    private readonly opts: StreamOptions,
  ) {
    this.splitter = new LineSplitter(opts.startOffset ?? 0, opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.opens = ctx.openerFor(opts.format);
    this.joiner = new EntryJoiner(DEFAULT_JOIN_LIMITS, this.opens);
    const input = stream.path === '-' ? 'standard input' : stream.path;
    this.records = new RecordParser(ctx.shapes, opts.zone, opts.format, () => this.fallbackTime(), {
      sector: opts.sector,
      notice: (m) => opts.notice?.(`${input}: ${m}`),
    });
    this.tracker = new Enricher(ctx.defs, { defaultMiner: opts.defaultMiner });
    this.idPrefix = eventIdPrefix(opts.host, stream);
  }

  /** Is an entry held open waiting for continuation lines, or a timeless one waiting for a time? */
  get holding(): boolean {
    return this.joiner.holding || this.held.length > 0;
  }

  push(chunk: Buffer): EventBatch {
    const batch = this.toEvents(this.joiner.push(this.splitter.push(chunk)), false);
    this.lastResumeAt = batch.resumeAt;
    return batch;
  }

  /**
   * The reader has caught up with the file while its writer goes on (the
   * tail): an entry still open `maxOpenMs` after it was first seen open at
   * such a moment is closed, so a writer that never pauses (timeless lines, a
   * stack dump) still has its entries out. Only these moments count: reading
   * a backlog, or after a pause in reading (backpressure while Elasticsearch
   * is away), the lines that close an entry are in the file, and entries are
   * cut where `parse` cuts them.
   */
  caughtUp(now = Date.now()): EventBatch | undefined {
    const maxOpen = this.opts.maxOpenMs;
    const at = this.holding ? this.lastResumeAt : -1;
    if (at !== this.openAt) {
      this.openAt = at;
      this.openSince = now;
      return undefined;
    }
    if (maxOpen === undefined || at < 0 || now - this.openSince < maxOpen) return undefined;
    return this.flushOpen();
  }

  /** End of input: the last line and the open entry are complete. */
  end(): EventBatch {
    const lines = this.splitter.end();
    const a = this.joiner.push(lines);
    const b = this.joiner.flush(lines.end);
    const batch = this.toEvents({ entries: a.entries.concat(b.entries), resumeAt: b.resumeAt }, true);
    this.tracker.flush(batch.events); // issue 10: events the thread tracker still holds
    return { events: batch.events, resumeAt: b.resumeAt };
  }

  /**
   * `run --once` has read what is there: as in `parse`, the open entry is
   * complete and so is a last line without its newline. But that line may
   * still be being written, so its batch resumes at the start of its entry:
   * the next run reads the entry again, whole, under the same `event.id`.
   */
  endOfRead(): EventBatch {
    const partial = this.splitter.holdsPartialLine;
    const batch = this.end();
    const last = batch.events[batch.events.length - 1];
    return partial && last ? { events: batch.events, resumeAt: last.offset } : batch;
  }

  /** A writer paused: close the entry held open, and emit timeless ones held (the tail's multi-line timeout). */
  flushOpen(): EventBatch {
    this.openSince = 0;
    this.openAt = -1;
    return this.toEvents(this.joiner.flush(this.splitter.resumeAt), true);
  }

  /**
   * A stream resumed at a checkpoint learns again what the lines before it
   * told (each sector's miner, state and since when, storage, running tasks;
   * the last time seen), so the events after the checkpoint are enriched as
   * in one unbroken read: a restart must not overwrite an indexed state
   * change with one that lacks its previous state and duration. Call
   * `beginWarmUp(from)`, feed the bytes from there up to `startOffset` in
   * order (`from` may fall inside a line: learning starts at the next one),
   * then `endWarmUp()`. Nothing comes out of it.
   */
  beginWarmUp(from: number): void {
    this.warm = { splitter: undefined, joiner: new EntryJoiner(DEFAULT_JOIN_LIMITS, this.opens), at: from };
  }

  warmUp(chunk: Buffer): void {
    const w = this.warm;
    if (!w) throw new Error('warmUp before beginWarmUp');
    let bytes = chunk;
    if (!w.splitter) {
      const nl = w.at === 0 ? -1 : chunk.indexOf(10);
      if (w.at > 0 && nl < 0) {
        w.at += chunk.length;
        return;
      }
      w.splitter = new LineSplitter(w.at + nl + 1, this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
      bytes = chunk.subarray(nl + 1);
    }
    this.learn(w.joiner.push(w.splitter.push(bytes)));
  }

  endWarmUp(): void {
    const w = this.warm;
    this.warm = undefined;
    // The checkpoint is an entry's start, so the entry held open ends before it.
    if (w?.splitter) this.learn(w.joiner.flush(w.splitter.resumeAt));
    // Held before the checkpoint: shipped before it (a checkpoint never passes a held event).
    this.tracker.flush(undefined);
  }

  /** Warm-up: what the entries teach the tracker, nothing emitted (timeless ones before any time teach nothing). */
  private learn(batch: EntryBatch): void {
    this.feed(batch, false, undefined);
  }

  /** `release`: emit the timeless entries held, with the fallback time (a pause, the end). */
  private toEvents(batch: EntryBatch, release: boolean): EventBatch {
    const out: SealEvent[] = [];
    this.feed(batch, release, out);
    let resumeAt = this.held.length > 0 ? this.held[0]!.offset : batch.resumeAt;
    const enricherHeld = this.tracker.heldFrom();
    if (enricherHeld >= 0 && enricherHeld < resumeAt) resumeAt = enricherHeld;
    return { events: out, resumeAt };
  }

  /**
   * Entries → enriched events, each dated: by its own time, else the last
   * time the stream showed. Timeless ones before any time are held (`out`
   * given) until a time follows or they are released, or dropped (warm-up).
   */
  private feed(batch: EntryBatch, release: boolean, out: SealEvent[] | undefined): void {
    const entries = batch.entries;
    for (let i = 0; i < entries.length; i++) this.entryEvents(entries[i]!, out);
    if (out && release && this.held.length > 0) this.release(this.fallbackTime(), out);
  }

  /** An event dated: by its own time, else the last the stream showed; timeless ones before any time are held. */
  private date(ev: SealEvent, out: SealEvent[] | undefined): void {
    if (Number.isNaN(ev.time)) {
      if (Number.isNaN(this.lastTime)) {
        if (out) this.hold(ev, out);
        return;
      }
      ev.time = this.lastTime;
    } else {
      this.lastTime = ev.time;
      if (out && this.held.length > 0) this.release(ev.time, out);
    }
    this.tracker.enrich(ev, out);
  }

  private hold(ev: SealEvent, out: SealEvent[]): void {
    ev.originalBytes = undefined; // released after later chunks, whose reads may reuse this one's memory
    this.held.push(ev);
    this.heldChars += ev.original.length;
    if (this.held.length >= MAX_HELD_ENTRIES || this.heldChars >= MAX_HELD_CHARS) this.release(this.fallbackTime(), out);
  }

  /** A time for entries that have none to borrow; never 0 (1970 is no one's time). */
  private fallbackTime(): number {
    const t = this.opts.fallbackTime?.();
    return t !== undefined && Number.isFinite(t) && t > 0 ? Math.trunc(t) : Date.now();
  }

  /** Timeless entries at a stream's start take the first time that follows, or the fallback time. */
  private release(time: number, out: SealEvent[]): void {
    for (const ev of this.held) {
      ev.time = time;
      this.tracker.enrich(ev, out);
    }
    this.held = [];
    this.heldChars = 0;
  }

  /**
   * An entry's events, dated: one, or one per record a command's output row
   * holds (`chain list`: one per block; ids `…-OFFSET`, `…-OFFSET.1`, …).
   * The one-record entry (nearly all) makes no array and no closure.
   */
  private entryEvents(entry: Entry, out: SealEvent[] | undefined): void {
    const parsed = this.records.parse(entry);
    const id = eventId(this.idPrefix, entry.offset);
    if (!Array.isArray(parsed)) {
      this.date(this.toEvent(parsed, entry, id), out);
      return;
    }
    // Every record of the row is classified before the first is dated, as one batch.
    const evs: SealEvent[] = [];
    for (let k = 0; k < parsed.length; k++) evs.push(this.toEvent(parsed[k]!, entry, k === 0 ? id : `${id}.${k}`));
    for (const ev of evs) this.date(ev, out);
  }

  private toEvent(r: ParsedRecord, entry: Entry, id: string): SealEvent {
    const ev = newEvent(r, entry, id, this.stream.path, this.opts.host);
    this.ctx.rules.classify(r, ev);
    finishEvent(r, entry, ev);
    return ev;
  }
}

/**
 * A whole byte stream (a file read once, or stdin) to event batches. The
 * stream's identity waits for its first line (the fingerprint), so the ids
 * match what `run` gives the same file.
 */
export async function* eventsFromBytes(
  chunks: AsyncIterable<Buffer>,
  path: string,
  ctx: FlowContext,
  opts: StreamOptions,
): AsyncIterable<EventBatch> {
  let flow: StreamFlow | undefined;
  let head: Buffer[] = [];
  let headBytes = 0;
  for await (const chunk of chunks) {
    if (!flow) {
      head.push(chunk);
      headBytes += chunk.length;
      const all = head.length === 1 ? chunk : Buffer.concat(head, headBytes);
      const fingerprint = fingerprintOf(all);
      if (fingerprint === undefined) continue;
      flow = new StreamFlow(ctx, { path, fingerprint }, opts);
      head = [];
      yield flow.push(all);
      continue;
    }
    yield flow.push(chunk);
  }
  if (!flow) {
    if (headBytes === 0) return;
    const all = Buffer.concat(head, headBytes);
    flow = new StreamFlow(ctx, { path, fingerprint: fingerprintOf(all, true)! }, opts);
    yield flow.push(all);
  }
  yield flow.end();
}
