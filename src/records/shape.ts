import type { ParsedRecord } from '../model.js';
import type { TimestampReader } from './timestamp.js';
import type { ZoneResolver } from './zone.js';

/**
 * What a line looks like. A shape reads an entry's body whose leading
 * timestamp (if any) has already been read, and returns a record or
 * undefined when the body is not of its shape. It runs once per line and
 * must be a single cheap pass: no regex, no object it does not return.
 */
export type ShapeParser = (body: string, ts: TimestampReader, zone: ZoneResolver, dataset: string) => ParsedRecord | undefined;

export interface LineShape {
  /**
   * Which bodies it is offered: `timed` ones start with a timestamp that
   * read (`ts` holds it), `json` ones with `{` (`ts` is only a reader for
   * the shape to use).
   */
  readonly takes: 'timed' | 'json';
  readonly parse: ShapeParser;
}

/**
 * A command's output (`lotus-miner sectors status --log`): one file is one
 * snapshot, and a row means something only with the rows before it (the
 * header names the sector; each event moves the state machine). `start`
 * makes a reader for one stream; it is offered every entry's body, in order.
 * `at` is the snapshot's time (`--at`, the file's mtime, or now); `dir` the
 * family's folder, for the data tables the shape reads; `zone` the input's
 * `--timezone`, for times printed without one.
 */
export interface SnapshotShape {
  readonly takes: 'snapshot';
  readonly start: (at: () => number, dir: string, zone: ZoneResolver, opts: SnapshotOptions) => SnapshotParser;
}

/** What the operator said about a snapshot beyond its time, and where a reader tells what it could not read. */
export interface SnapshotOptions {
  /** `--sector N`: the sector of an output that names none (a pasted part of `sectors status --log`). */
  sector?: number | undefined;
  /** Tell the operator something about this input (once is the reader's business): one line, the input named by the caller. */
  notice: (message: string) => void;
}

/** Several records for a row that holds several things (a tipset's blocks): one event each. */
export type SnapshotParser = (body: string, dataset: string) => ParsedRecord | ParsedRecord[] | undefined;

export type Shape = LineShape | SnapshotShape;
