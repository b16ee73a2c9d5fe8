import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import type { DocumentBatch } from '../documents/document-batch.js';
import { BulkSink, type BulkSinkOptions, type SinkCounters } from './bulk-sink.js';
import type { DeadLetterFile } from './dead-letter.js';
import { SectorsSink } from './sectors-sink.js';

/** What a shipper writes to: batches in, acknowledgements out through each batch's `ack`. */
export interface Sink {
  write(batch: DocumentBatch): Promise<void>;
  /** Everything written so far is acknowledged (or the sink failed, which throws). */
  drain(): Promise<void>;
  /** Stops retrying; what is not acknowledged stays so. */
  close(): void;
  /** Bytes accepted and not yet acknowledged. */
  readonly inFlight: number;
  readonly counters: SinkCounters;
}

export type EventSinkOptions = Omit<BulkSinkOptions<DocumentBatch>, 'onDrop' | 'onIndexed'> & { log: (line: string) => void };

/**
 * The events index and the sectors index as one sink: documents go in bulk
 * requests (`BulkSink`), refused ones to the dead-letter file, and a batch
 * whose documents are written joins the sectors window (`SectorsSink`),
 * which acknowledges it once its sectors are written too.
 */
export class EventSink implements Sink {
  readonly events: BulkSink<DocumentBatch>;
  readonly sectors: SectorsSink;

  constructor(client: Client, deadLetter: DeadLetterFile, opts: EventSinkOptions) {
    this.sectors = new SectorsSink(client, opts.log);
    this.events = new BulkSink<DocumentBatch>(client, {
      ...opts,
      onDrop: (letters) => deadLetter.append(letters),
      onIndexed: (batches) => this.sectors.add(batches),
    });
  }

  write(batch: DocumentBatch): Promise<void> {
    return this.events.write(batch);
  }

  async drain(): Promise<void> {
    await this.events.drain();
    await this.sectors.drain();
  }

  close(): void {
    this.events.close();
    this.sectors.close();
  }

  get inFlight(): number {
    return this.events.inFlight;
  }

  get counters(): SinkCounters {
    return this.events.counters;
  }
}

/**
 * A shutdown's drain: at most `ms` for what was written to be acknowledged.
 * Resolves whether it was; what is not stays unacknowledged (its checkpoint
 * does not pass it, so it is read again at the next start), and is said so
 * unless the sink had `failed` already (then the failure is the news).
 */
export async function drainWithin(sink: Sink, ms: number, log: (line: string) => void, failed: () => boolean): Promise<boolean> {
  const ac = new AbortController();
  const drain = sink.drain().then(
    () => true,
    (err: unknown) => {
      log(`shutdown: ${(err as Error)?.message ?? String(err)}`);
      return false;
    },
  );
  const drained = await Promise.race([drain, sleep(ms, false, { signal: ac.signal }).catch(() => false)]);
  ac.abort();
  if (!drained && !failed()) log(`shutdown: not everything was acknowledged within ${Math.round(ms / 1000)} s; it stays unacknowledged and is read again at the next start`);
  return drained;
}
