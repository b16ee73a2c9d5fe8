/**
 * The shapes data takes as it flows one way through sealtrail:
 *
 *   bytes → LineBatch → EntryBatch → ParsedRecord → SealEvent (enriched) → documents → sink
 *
 * Stages hand each other whole batches (one per read chunk), never single
 * lines: a promise per line would cost more than parsing the line.
 */

/** How a document field is mapped and written. */
export type FieldType = 'keyword' | 'long' | 'date';

/**
 * A field a family declares in its pipeline file beyond the contract's
 * (under `filecoin.`): its value sits at `slot` in the event's `extra`.
 */
export interface DeclaredField {
  name: string;
  type: FieldType;
  slot: number;
}

/** Where a stream of bytes comes from; fixes `log.file.path` and `event.id`. */
export interface StreamIdentity {
  /** `log.file.path` (or `-` for stdin). */
  path: string;
  /** A stable key for the file's content: survives rename, differs across files. */
  fingerprint: string;
}

/** Lines cut from one read chunk. Parallel arrays: no object per line. */
export interface LineBatch {
  texts: string[];
  /** Byte offset of each line's first byte in the file. */
  starts: number[];
  /** Indices (into texts) of lines that were cut at the line-length limit. */
  truncated: number[];
  /** Byte offset just past the last complete line of this batch. */
  end: number;
  /**
   * The chunk the lines from `firstInChunk` on were cut from, and the file
   * offset of its first byte: a line's bytes are read there (valid until the
   * next chunk is pushed; the reader may reuse its memory). Unset: none are.
   */
  chunk?: Buffer | undefined;
  chunkStart?: number;
  firstInChunk?: number;
}

/** Who wrapped a line before it reached the file (journald, docker, pm2). */
export interface Wrapper {
  kind: 'journald' | 'docker' | 'pm2';
  /** journald's host, docker's service, pm2's app name. */
  source?: string;
  process?: string;
  pid?: number;
}

/** One log entry: a first line and the continuation lines that belong to it. */
export interface Entry {
  /** Byte offset of the entry's first byte. */
  offset: number;
  /** The entry exactly as read, lines joined with `\n`, wrappers included. */
  original: string;
  /** The same with wrappers and colour codes peeled off: what gets parsed. */
  body: string;
  wrapper: Wrapper | undefined;
  truncated: boolean;
  /**
   * `original`'s bytes as read, a view of the read chunk, when the entry lies
   * whole in one chunk and is not truncated (for the document writer). Valid
   * only until the stream's next chunk is pushed.
   */
  bytes?: Uint8Array | undefined;
}

export interface EntryBatch {
  entries: Entry[];
  /**
   * Where to resume reading so that nothing after the entries of this batch is
   * lost: the start of the first entry not yet emitted (an entry held open for
   * continuation lines, or a partial line).
   */
  resumeAt: number;
}

/** What a line shape parser makes of an entry's body. */
export interface ParsedRecord {
  /** Epoch milliseconds; NaN when the entry carried no time that parses. */
  time: number;
  level: string | undefined;
  logger: string | undefined;
  originFile: string | undefined;
  originLine: number | undefined;
  message: string;
  /** The structured fields that followed the message (zap's `{...}`), parsed lazily. */
  fieldsText: string | undefined;
  fields: Record<string, unknown> | undefined;
  /** The pipeline (log family) whose shape matched, e.g. `sealtrail.lotus`. */
  dataset: string;
  tags: string[] | undefined;
}

/**
 * The values of the fields families declare beyond the contract's, by the
 * field's slot (`fields`: the declaring table, which the serialiser writes by).
 */
export interface ExtraValues {
  readonly fields: readonly DeclaredField[];
  readonly values: (string | number | undefined)[];
}

/**
 * An event, flat. `src/fields.ts` maps each key to its contract field
 * name (e.g. `sector` → `filecoin.sector.number`); nothing else needs to know.
 * Fields a family declares itself sit in `extra`.
 */
export interface SealEvent {
  time: number;
  id: string;
  action: string;
  dataset: string;
  original: string;
  message: string;
  level: string | undefined;
  logger: string | undefined;
  originFile: string | undefined;
  originLine: number | undefined;
  path: string;
  offset: number;
  host: string;
  tags: string[] | undefined;
  duration?: number;
  sector?: number;
  miner?: number;
  state?: string;
  previousState?: string;
  smEvent?: string;
  nodeId?: string;
  location?: string;
  storageHost?: string;
  taskName?: string;
  taskType?: string;
  messageCid?: string;
  messageMethod?: string;
  postType?: string;
  postDeadline?: number;
  blockCid?: string;
  blockHeight?: number;
  errorMessage?: string;
  errorCode?: string;
  filePath?: string;
  fileName?: string;
  syslogHost?: string;
  processName?: string;
  processPid?: number;
  containerName?: string;
  // issue 10 (damocles): the sealing thread a line belongs to, and that thread's plan.
  workerThread?: string;
  taskPlan?: string;
  /** Internal, not a document field: when this stream first saw the event's sector. */
  sectorFirstSeen?: number;
  /** Internal: `original` as the input's bytes (the entry's `bytes`), valid until the stream's next chunk. */
  originalBytes?: Uint8Array | undefined;
  /** Fields declared by the families' pipeline files (`captures:`), when the event has any. */
  extra?: ExtraValues;
}

export type EventKey = Exclude<keyof SealEvent, 'tags' | 'sectorFirstSeen' | 'extra' | 'originalBytes'>;
