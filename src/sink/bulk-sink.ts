import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import PQueue from 'p-queue';
import { SealtrailError } from '../errors.js';
import { pause } from './backoff.js';
import type { BulkLines, SinkDoc } from '../documents/document-batch.js';
import type { DeadLetter } from './dead-letter.js';
import { isRetryable } from './retry.js';
import { body, compact, docPair, pairAt, pairBytes, pairCount, slice, sortItems, type Pairs } from './bulk-body.js';
import { RequestBuilder, type Request } from './request-builder.js';

export type { SinkDoc } from '../documents/document-batch.js';

/** What the bulk sink takes: documents (as bulk lines, or objects), their size, and what to call once they are all written. */
export interface SinkBatch {
  lines?: BulkLines;
  docs?: readonly SinkDoc[];
  bytes: number;
  ack: () => void;
}

export interface BulkSinkOptions<B extends SinkBatch> {
  /**
   * Documents Elasticsearch refused for good (a 400, a mapping conflict, too
   * large): their batch is acknowledged only once this resolves, so it must
   * keep them (the dead-letter file) or throw (the sink then fails).
   */
  onDrop: (letters: DeadLetter[]) => Promise<void>;
  /**
   * Batches whose documents are all indexed or dropped, in the order they
   * were written; the default acknowledges each. A returned promise holds
   * the request's slot until it resolves (backpressure); a rejection fails
   * the sink.
   */
  onIndexed?: (batches: B[]) => void | Promise<void>;
  /** Send a request once this many bytes of documents wait (default 512 KiB). */
  flushBytes?: number;
  /** No request body is larger (default 8 MiB); a document that cannot fit in one is dead-lettered. */
  maxRequestBytes?: number;
  /** …or once the oldest waiting document is this old, however few (default 250 ms, so a live line is searchable within 2 s). */
  flushMs?: number;
  /** Requests in flight at once (default 2). */
  concurrency?: number;
  /** Bytes accepted but not yet acknowledged before `write` makes the caller wait (default 2 MiB). */
  maxInFlightBytes?: number;
  log?: (line: string) => void;
}

export interface SinkCounters {
  shipped: number;
  retried: number;
  deadLettered: number;
  requests: number;
}

/**
 * Ships documents, as the bytes the writer made, in `_bulk` requests built
 * here and sent with the client's `bulk` (README: why not `helpers.bulk`).
 * Batching and the flush deadline are ours (the helper's flush timer is an
 * idle timer: a steady trickle could wait for `flushBytes`), and a failed
 * request is retried here, with backoff and jitter, for as long as
 * Elasticsearch is away. Items refused are retried (429, 5xx) or handed
 * to `onDrop` (400s). It knows documents only: what else a written batch
 * feeds (the sectors index) is the `onIndexed` callback's. Memory is bounded by `maxInFlightBytes`: `write`
 * resolves only when there is room. Whatever one write brings, no request
 * body exceeds `maxRequestBytes`: a request Elasticsearch refuses as too
 * large (413) or too much at once (429: its indexing pressure limit) is
 * split in halves, not sent again as it was.
 */
export class BulkSink<B extends SinkBatch = SinkBatch> {
  readonly counters: SinkCounters = { shipped: 0, retried: 0, deadLettered: 0, requests: 0 };
  /** The indices documents were sent to (what `run --once` refreshes before it returns). */
  readonly indices = new Set<string>();
  private readonly flushBytes: number;
  private readonly maxRequestBytes: number;
  private readonly flushMs: number;
  private readonly maxInFlightBytes: number;
  private readonly queue: PQueue;
  private readonly log: (line: string) => void;
  private readonly abort = new AbortController();
  private pending: B[] = [];
  private pendingBytes = 0;
  /** The requests the waiting documents are copied into, and those too large for any. */
  private readonly requests: RequestBuilder;
  private tooLargeLetters: DeadLetter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlightBytes = 0;
  private waiters: (() => void)[] = [];
  private failure: Error | undefined;
  private outage = false;
  private readonly onDrop: (letters: DeadLetter[]) => Promise<void>;
  private readonly onIndexed: (batches: B[]) => void | Promise<void>;

  constructor(
    private readonly client: Client,
    opts: BulkSinkOptions<B>,
  ) {
    this.onDrop = opts.onDrop;
    this.onIndexed = opts.onIndexed ?? ((batches) => batches.forEach((b) => b.ack()));
    // Small requests keep little alive: each document is held as bytes, then
    // again in the request body. 512 KiB
    // requests, 2 MiB in flight, cost no throughput against 2 and 8 MiB (BENCHMARKS.md).
    this.flushBytes = opts.flushBytes ?? 512 * 1024;
    this.maxRequestBytes = opts.maxRequestBytes ?? 8 * 1024 * 1024;
    this.flushMs = opts.flushMs ?? 250;
    this.maxInFlightBytes = opts.maxInFlightBytes ?? 2 * 1024 * 1024;
    this.queue = new PQueue({ concurrency: opts.concurrency ?? 2 });
    this.log = opts.log ?? ((line) => process.stderr.write(line + '\n'));
    this.requests = new RequestBuilder(this.maxRequestBytes, Math.max(1024 * 1024, 2 * this.flushBytes), (d, size) =>
      this.tooLargeLetters.push(this.tooLarge(d, size, `a request may be at most ${this.maxRequestBytes} bytes`)),
    );
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Bytes accepted and not yet acknowledged. */
  get inFlight(): number {
    return this.inFlightBytes;
  }

  async write(batch: B): Promise<void> {
    if (this.failure) throw this.failure;
    // The documents are copied into the request they go in now, so the batch holds no bytes while it waits.
    if (batch.lines) {
      this.requests.append(batch.lines, batch.lines.indices);
      batch.lines.release();
    } else {
      for (const d of batch.docs ?? []) {
        const pair = docPair(d);
        this.requests.append({ buf: pair, starts: [0, pair.length] }, [d.index]);
      }
    }
    this.pending.push(batch);
    this.pendingBytes += batch.bytes;
    this.inFlightBytes += batch.bytes;
    if (this.pendingBytes >= this.flushBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    while (this.inFlightBytes > this.maxInFlightBytes && !this.failure) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
  }

  /** Sends what waits now, without waiting for the deadline. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batches = this.pending;
    const bytes = this.pendingBytes;
    const requests = this.requests.take();
    const tooLarge = this.tooLargeLetters;
    this.pending = [];
    this.pendingBytes = 0;
    this.tooLargeLetters = [];
    void this.queue.add(async () => {
      try {
        await this.send(requests, tooLarge, batches);
      } catch (err) {
        this.fail(err);
      } finally {
        this.inFlightBytes -= bytes;
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      }
    });
  }

  /** Everything written so far is acknowledged (or the sink failed, which throws). */
  async drain(): Promise<void> {
    this.flush();
    await this.queue.onIdle();
    if (this.failure) throw this.failure;
  }

  /** Stops retrying; what is not acknowledged stays unacknowledged (the checkpoint does not pass it). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    this.queue.clear();
  }

  private fail(err: unknown): void {
    if (this.abort.signal.aborted) return;
    this.failure ??= err instanceof Error ? err : new Error(String(err));
  }

  private async send(requests: Request[], tooLarge: DeadLetter[], batches: B[]): Promise<void> {
    // Requests of at most maxRequestBytes, in order; documents too large for any go to the dead letters.
    for (const r of requests) {
      await this.index(r, r.indices);
      this.requests.lend(r.buf);
    }
    await this.deadLetter(tooLarge);
    await this.onIndexed(batches);
  }

  private async index(pairs: Pairs, indices: readonly string[]): Promise<void> {
    let todo = pairs;
    for (let attempt = 0; pairCount(todo) > 0; attempt++) {
      if (this.abort.signal.aborted) throw new Error('sink closed');
      const count = pairCount(todo);
      if (attempt > 0) {
        this.counters.retried += count;
        await pause(attempt - 1, this.abort.signal);
      }
      const retry: number[] = [];
      const dead: DeadLetter[] = [];
      try {
        this.counters.requests++;
        // The prebuilt body through the client's own `bulk` (README: why not `helpers.bulk`).
        const res = await this.client.bulk({ body: body(todo), filter_path: 'errors,items.*.status,items.*.error' } as unknown as Parameters<Client['bulk']>[0]);
        const successful = res.errors ? sortItems(res.items ?? [], todo, retry, dead) : count;
        this.counters.shipped += successful;
        for (const x of indices) this.indices.add(x);
        if (this.outage) {
          this.outage = false;
          this.log('elasticsearch is back; shipping resumed');
        }
      } catch (err) {
        const status = err instanceof errors.ResponseError ? err.statusCode : undefined;
        if (count > 1 && (status === 413 || (status === 429 && pairBytes(todo) > this.flushBytes))) {
          // Too large for http.max_content_length (413), or a large body the
          // node's indexing pressure refuses (429): the same body could be
          // refused forever, so halve it and go on. A 429 on a request of
          // the usual size is Elasticsearch busy: retried as it is.
          if (status === 429) await pause(0, this.abort.signal);
          const half = count >> 1;
          await this.index(slice(todo, 0, half), indices);
          await this.index(slice(todo, half, count), indices);
          return;
        }
        if (status === 413) {
          await this.deadLetter([this.tooLarge(pairAt(todo, 0), pairBytes(todo), 'Elasticsearch refused it as too large (http.max_content_length)')]);
          return;
        }
        if (!isRetryable(err)) {
          throw new SealtrailError('E_ES_REQUEST', `Elasticsearch refused a bulk request${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`);
        }
        if (!this.outage) {
          this.outage = true;
          this.log(`elasticsearch unavailable (${(err as Error).message.split('\n')[0]}); holding ${count} documents and retrying`);
        }
        continue;
      }
      await this.deadLetter(dead);
      todo = retry.length === count ? todo : compact(todo, retry);
    }
  }

  private tooLarge(d: { index: string; id: string; document: string }, size: number, why: string): DeadLetter {
    const reason = `document too large: its bulk request would be ${size} bytes; ${why}`;
    this.log(`${d.index}/${d.id}: ${reason}; dead-lettered`);
    return { index: d.index, id: d.id, status: 413, reason: { type: 'document_too_large', reason }, document: d.document };
  }

  private async deadLetter(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.onDrop(letters);
    this.counters.deadLettered += letters.length;
  }
}
