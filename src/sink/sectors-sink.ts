import type { Client } from '@elastic/elasticsearch';
import { SECTORS_INDEX } from '../elasticsearch.js';
import { cut } from '../errors.js';
import type { DocumentBatch } from '../documents/document-batch.js';
import { fromSource, mergeSector, type SectorState } from '../documents/sector-docs.js';
import { copySector, keptState, sameSector } from '../documents/sector-state.js';
import { writeSectorSource } from '../documents/sector-bytes.js';
import { JsonOut, bytesOf, lit, num, str, worst } from '../documents/json-out.js';
import { isRetryable } from './retry.js';
import { pause } from './backoff.js';

/** Sectors read, merged and written per round. */
const ROUND_SIZE = 1000;

/**
 * A sector is touched by many batches while it seals: a wide window merges
 * those updates into one write. Acknowledgements wait for it, so it is also
 * the checkpoint's extra lag. One window is written while the next fills:
 * 10,000 rather than 20,000 kept a dense backlog (every line naming one of
 * 20,000 sectors) at 182-188 MiB instead of 202-211 when remembered sectors
 * were kept as JSON. Kept as states (issue 12), 15,000 measured 190 MiB and
 * 340k sector writes for a dense 64 MiB log instead of 450k (20,000: 154k
 * writes, but 201 MiB; BENCHMARKS.md).
 */
const WINDOW_SECTORS = 15_000;
const WINDOW_MS = 5000;

/**
 * Sectors whose document this process wrote (or read) last, remembered with
 * its `_seq_no`/`_primary_term`: the next window writes them without reading
 * them first. If anyone else wrote meanwhile, the write is refused (409) and
 * the sector is read as before. Bounded by what they hold on the heap, not by
 * count: at 20,000 sectors they were the one part of a 1 GiB backlog's live
 * heap that kept growing (17 MiB), and every full collection marked them all
 * (BENCHMARKS.md, "Issue 12 (session 7): tailing run"). A sector forgotten costs an `mget` in its window.
 */
const KNOWN_BYTES = 6 * 1024 * 1024;
const HEAP_BASE = 368;
const HEAP_PER_TASK = 90;
const HEAP_REBUILD = 250;

const CREATE = bytesOf(`{"create":{"_index":"${SECTORS_INDEX}","_id":`);
const INDEX = bytesOf(`{"index":{"_index":"${SECTORS_INDEX}","_id":`);
const SEQ_NO = bytesOf(',"if_seq_no":');
const PRIMARY_TERM = bytesOf(',"if_primary_term":');
const ACTION_END = bytesOf('}}\n');

/** A sector document as this process last saw it in the index: its state, canonical (what `fromSource` reads back). */
interface Known {
  state: SectorState;
  seqNo: number;
  primaryTerm: number;
  bytes: number;
}

/**
 * About what a remembered sector holds on the heap: the state, its tasks, the
 * Map entry. Strings are interned (`keptState`) and shared but for long errors.
 * Calibrated by a heap measurement (BENCHMARKS.md, "Issue 12 (session 8)").
 */
function heapBytes(s: SectorState): number {
  let n = HEAP_BASE;
  for (const _ in s.tasks) n += HEAP_PER_TASK;
  const r = s.rebuild;
  if (r !== undefined) n += HEAP_REBUILD + (r.lastError !== undefined && r.lastError.length > 200 ? 16 + r.lastError.length * 2 : 0);
  return n;
}

/**
 * One patch per sector: `p` is kept as it is where its sector is new, and
 * copied before a second patch is merged into it (`owned`: the copies), so
 * patches handed in are only read.
 */
function collect(into: Map<string, SectorState>, owned: Set<SectorState>, p: SectorState): void {
  const d = into.get(p.id);
  if (d === undefined) into.set(p.id, p);
  else if (owned.has(d)) mergeSector(d, p);
  else {
    const c = mergeSector(copySector(d), p);
    owned.add(c);
    into.set(p.id, c);
  }
}

/**
 * Keeps `sealtrail-sectors` current: batches whose events are indexed come
 * in (`add`), their sector patches are merged in a window, and the window is
 * written (`apply`): for each round of sectors, read the documents, merge,
 * and write back with `if_seq_no`/`if_primary_term` (or `create`); a conflict
 * means someone else wrote meanwhile, so read again. A batch is acknowledged
 * once its sectors are written.
 */
export class SectorsSink {
  static readonly rememberedLimit = KNOWN_BYTES;
  updates = 0;
  conflicts = 0;
  private window = new Map<string, SectorState>();
  private owned = new Set<SectorState>();
  private acks: (() => void)[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private readonly abort = new AbortController();
  /** Insertion-ordered: the least recently written are forgotten first. */
  private readonly known = new Map<string, Known>();
  private knownBytes = 0;

  constructor(
    private readonly client: Client,
    private readonly log: (line: string) => void,
  ) {}

  /** Batches whose events are indexed: their sectors join the window; a full window is written before this resolves. */
  async add(batches: readonly DocumentBatch[]): Promise<void> {
    if (this.failure) throw this.failure;
    for (const b of batches) {
      for (const p of b.sectors) collect(this.window, this.owned, p);
      this.acks.push(b.ack);
    }
    if (this.window.size >= WINDOW_SECTORS) await this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), WINDOW_MS);
    if (this.failure) throw this.failure;
  }

  /** The window is written and its batches acknowledged (or the sink failed, which throws). */
  async drain(): Promise<void> {
    await this.flush();
    if (this.failure) throw this.failure;
  }

  /** Stops retrying; the window's batches stay unacknowledged. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
  }

  /** Writes the window (one flush at a time), then acknowledges its batches. */
  private flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(async () => {
      const window = this.window;
      const acks = this.acks;
      this.window = new Map();
      this.owned = new Set();
      this.acks = [];
      try {
        if (window.size > 0) await this.apply([...window.values()]);
        for (const ack of acks) ack();
      } catch (err) {
        if (!this.abort.signal.aborted) this.failure ??= err instanceof Error ? err : new Error(String(err));
      }
    });
    return this.flushing;
  }

  /** Writes these patches (a sector may be named more than once; they are only read). */
  async apply(patches: SectorState[]): Promise<void> {
    // Round by round, each with its own small map: a whole window's mget made
    // a response of megabytes and its parsed documents at once, a spike the
    // heap then grew to keep. A sector named in two rounds is written twice,
    // and the merge makes that the same document.
    for (let i = 0; i < patches.length; i += ROUND_SIZE) {
      const deltas = new Map<string, SectorState>();
      const owned = new Set<SectorState>();
      for (const p of patches.slice(i, i + ROUND_SIZE)) collect(deltas, owned, p);
      await this.applyRound([...deltas.keys()], deltas);
    }
  }

  private async applyRound(ids: string[], deltas: Map<string, SectorState>): Promise<void> {
    let todo = ids;
    let outage = false;
    for (let attempt = 0; todo.length > 0; attempt++) {
      if (attempt > 0) await pause(attempt - 1, this.abort.signal);
      try {
        todo = await this.round(todo, deltas);
        if (outage) this.log('elasticsearch is back; sectors index updated');
      } catch (err) {
        if (!isRetryable(err)) throw err;
        if (!outage) this.log(`elasticsearch unavailable (sectors index: ${(err as Error).message.split('\n')[0]}); retrying`);
        outage = true;
      }
    }
  }

  /** One read-merge-write round; returns the ids to try again. */
  private async round(ids: string[], deltas: Map<string, SectorState>): Promise<string[]> {
    // The request body as bytes, action line and document written here
    // (sector-bytes.ts): no object tree, no JSON string per document.
    const out = new JsonOut(64 * 1024);
    const written: string[] = [];
    const after: SectorState[] = [];
    const write = (id: string, current: SectorState | undefined, seqNo?: number, primaryTerm?: number): void => {
      const delta = deltas.get(id)!;
      // `current` is canonical and is not changed: the merge goes into a copy,
      // written as it is (as the JSON path wrote it) and remembered canonical.
      const merged = current === undefined ? delta : mergeSector(copySector(current), delta);
      const next = keptState(merged);
      if (current !== undefined && sameSector(next, current)) {
        this.remember(id, current, seqNo!, primaryTerm!);
        return;
      }
      out.room(worst(id.length) + 96);
      let p = lit(out.buf, out.pos, current === undefined ? CREATE : INDEX);
      p = str(out.buf, p, id);
      if (current !== undefined && seqNo !== undefined && primaryTerm !== undefined) {
        p = num(out.buf, lit(out.buf, p, SEQ_NO), seqNo!);
        p = num(out.buf, lit(out.buf, p, PRIMARY_TERM), primaryTerm!);
      }
      out.pos = lit(out.buf, p, ACTION_END);
      writeSectorSource(out, merged);
      out.room(1);
      out.buf[out.pos++] = 10;
      written.push(id);
      after.push(next);
    };
    const unknown: string[] = [];
    for (const id of ids) {
      const k = this.known.get(id);
      if (k === undefined) unknown.push(id);
      else write(id, k.state, k.seqNo, k.primaryTerm);
    }
    if (unknown.length > 0) {
      const got = await this.client.mget<Record<string, unknown>>({ index: SECTORS_INDEX, ids: unknown, realtime: true, filter_path: 'docs._id,docs.found,docs._seq_no,docs._primary_term,docs._source' });
      for (const doc of got.docs) {
        if ('found' in doc && doc.found && doc._source) write(doc._id, fromSource(doc._id, doc._source), doc._seq_no, doc._primary_term);
        else write(doc._id, undefined);
      }
    }
    if (written.length === 0) return [];
    // The prebuilt body through the client's own `bulk`, as the events go (README: why not `helpers.bulk`).
    const body = out.buf.subarray(0, out.pos);
    const res = await this.client.bulk({ body, refresh: false, filter_path: 'items.*.status,items.*.error,items.*._seq_no,items.*._primary_term' } as unknown as Parameters<Client['bulk']>[0]);
    const again: string[] = [];
    res.items.forEach((item, i) => {
      const r = item.index ?? item.create!;
      const id = written[i]!;
      if (r.status < 300) {
        this.updates++;
        if (r._seq_no !== undefined && r._primary_term !== undefined) this.remember(id, after[i]!, r._seq_no, r._primary_term);
        return;
      }
      this.forget(id);
      if (r.status === 409) {
        this.conflicts++;
        again.push(id);
      } else if (r.status === 429 || r.status >= 500) {
        again.push(id);
      } else {
        // The reason quotes the refused value, which can be a whole 1 MiB line.
        this.log(`sectors index refused ${id}: ${cut(JSON.stringify(r.error))}`);
      }
    });
    return again;
  }

  private remember(id: string, state: SectorState, seqNo: number, primaryTerm: number): void {
    this.forget(id);
    const bytes = heapBytes(state);
    this.known.set(id, { state, seqNo, primaryTerm, bytes });
    this.knownBytes += bytes;
    while (this.knownBytes > KNOWN_BYTES) this.forget(this.known.keys().next().value!);
  }

  private forget(id: string): void {
    const k = this.known.get(id);
    if (k === undefined) return;
    this.known.delete(id);
    this.knownBytes -= k.bytes;
  }

  /** What the remembered sectors hold, as `heapBytes` counts it (for tests). */
  get rememberedBytes(): number {
    return this.knownBytes;
  }
}
