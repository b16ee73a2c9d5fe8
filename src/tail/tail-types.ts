import type { AckTracker } from '../checkpoints/ack-tracker.js';
import type { Registry } from '../checkpoints/registry.js';
import type { DocumentWriter } from '../documents/serialize.js';
import type { EventBatch, FlowContext, StreamOptions } from '../flow-context.js';
import type { StreamFlow } from '../flow.js';
import type { Sink } from '../sink/event-sink.js';
import type { LiveStream, LiveStreams, StreamId } from './identify.js';
import type { ShipStats } from './ship-stats.js';

/*
 * What the tail is given (TailOptions, TailInput), what its file readers
 * share (ReaderEnv), and what each look at a file comes to (ReadVerdict):
 * a reader never calls back into the shipper; it returns a verdict, and the
 * shipper schedules, parks or lets go of it.
 */

/** Globs and how to read the files they match. */
export interface TailInput {
  globs: string[];
  /** Host, zone, format, miner for the files of this input (startOffset is set per file). */
  opts: StreamOptions;
}

/** One content identity read through a file: its flow and acknowledgement frontier. */
export interface Stream {
  id: StreamId;
  flow: StreamFlow;
  writer: DocumentWriter;
  tracker: AckTracker;
  /** Its file was rewritten (truncated): its checkpoint stays, owned by no file, for a copy of the old content. */
  retired: boolean;
}

/** The flow a file had when it was closed as quiet: reopened where it stopped, it goes on with it (no warm-up). */
export interface QuietFlow {
  identity: string;
  offset: number;
  flow: StreamFlow;
}

/** What every reader shares: the pipeline, the checkpoints, the streams open now, the timeouts, and the way to the sink. */
export interface ReaderEnv {
  ctx: FlowContext;
  registry: Registry | undefined;
  live: LiveStreams;
  /** Read what is there and stop: a short file is complete, an open entry is flushed at the end. */
  once: boolean;
  multilineMs: number;
  lingerMs: number;
  shortFileWaitMs: number;
  warmUpBytes: number;
  /** How long a file may stay quiet before it is closed until it changes (fewer open files: longer). */
  inactiveMs: () => number;
  stopping: () => boolean;
  log: (line: string) => void;
  /** Hands a batch of a stream to the sink; resolves when the sink took it (acknowledgements come through the stream's tracker). */
  ship: (s: Stream, batch: EventBatch) => Promise<void>;
  counters: { bytesRead: number; fileReads: number };
}

/** What a look at a file came to: the shipper schedules, parks or lets go of it accordingly. */
export type ReadVerdict =
  /** Its fair share was read; more waits. */
  | { kind: 'again' }
  /** At its end: look again after `wakeInMs` (a timeout is pending), or when it changes. */
  | { kind: 'caught-up'; wakeInMs: number | undefined }
  /** Rotated away or deleted, read to its end and quiet (or read once): let go. */
  | { kind: 'finished'; counted: boolean }
  /** No new bytes for a while: close it until it changes, keeping its flow. */
  | { kind: 'quiet'; flow: QuietFlow }
  /** Rewritten under us: `old` ended; the reader starts again from byte 0. */
  | { kind: 'truncated'; old: Stream }
  /** The same content as a file read now: leave this one alone. */
  | { kind: 'copy'; holder: LiveStream; stale: boolean; size: number }
  /** Too short to identify: wait (`wakeInMs`), or let go when nothing more will come. */
  | { kind: 'too-short'; complete: boolean; wakeInMs: number | undefined }
  | { kind: 'stopped' };


export interface TailOptions {
  inputs: TailInput[];
  ctx: FlowContext;
  sink: Sink;
  stats: ShipStats;
  /** Checkpoints: read at start, advanced on acknowledgements; none: every file from its start (`run --once`). */
  registry: Registry | undefined;
  log: (line: string) => void;
  usePolling?: boolean;
  /** Read what is there and stop (no watcher): `run --once`. */
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

