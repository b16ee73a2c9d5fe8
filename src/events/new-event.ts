import type { Entry, ParsedRecord, SealEvent } from '../model.js';

/**
 * A record as an event, before the rules name its action: the record's
 * parts, the entry's place, and every optional field present from the start.
 */
export function newEvent(r: ParsedRecord, entry: Entry, id: string, path: string, host: string): SealEvent {
  const ev: SealEvent = {
    time: r.time,
    id,
    action: 'log',
    dataset: r.dataset,
    original: entry.original,
    message: r.message,
    level: r.level,
    logger: r.logger,
    originFile: r.originFile,
    originLine: r.originLine,
    path,
    offset: entry.offset,
    host,
    tags: r.tags,
    // Every optional field present from the start: one hidden class for all
    // events keeps the serialiser's and tracker's property reads monomorphic.
    duration: undefined,
    sector: undefined,
    miner: undefined,
    state: undefined,
    previousState: undefined,
    smEvent: undefined,
    nodeId: undefined,
    location: undefined,
    storageHost: undefined,
    taskName: undefined,
    taskType: undefined,
    messageCid: undefined,
    messageMethod: undefined,
    postType: undefined,
    postDeadline: undefined,
    blockCid: undefined,
    blockHeight: undefined,
    errorMessage: undefined,
    errorCode: undefined,
    filePath: undefined,
    fileName: undefined,
    syslogHost: undefined,
    processName: undefined,
    processPid: undefined,
    containerName: undefined,
    workerThread: undefined,
    taskPlan: undefined,
    sectorFirstSeen: undefined,
    originalBytes: entry.bytes,
    extra: undefined,
  };
  return ev;
}

/** After the rules: the record's tags, what the entry's time, length and wrapper say. */
export function finishEvent(r: ParsedRecord, entry: Entry, ev: SealEvent): void {
  if (r.tags !== ev.tags && r.tags) ev.tags = r.tags; // classify may have tagged the record
  if (Number.isNaN(r.time)) {
    const c0 = entry.body.charCodeAt(0);
    (ev.tags ??= []).push(c0 >= 48 && c0 <= 57 ? 'timestamp_invalid' : 'timestamp_missing');
  }
  if (entry.truncated) (ev.tags ??= []).push('truncated');
  const w = entry.wrapper;
  if (w) {
    if (w.kind === 'journald') {
      ev.syslogHost = w.source;
      ev.processName = w.process;
      ev.processPid = w.pid;
    } else if (w.kind === 'docker') {
      ev.containerName = w.source;
    } else {
      ev.processName = w.source;
    }
  }
}

/**
 * The events' hidden class settled before any code is optimised for it.
 * V8 tracks, per field of a hidden class, the kind of value it holds (a
 * small integer, a double, an object of one class, anything) and whether it
 * was written after the object was made; each change on the way throws away
 * the optimised code that relied on it ("code dependencies"). Left to the
 * log, the fields change kind one by one as the first sector, duration or
 * wrapper shows up, and the document writer alone (one large generated
 * function) was compiled four times per `parse`, 0.3–0.4 CPU-s each. Here
 * every field is given, once at start, each kind of value it can hold, and
 * written twice; nothing of this event is kept.
 */
function settleShape(): void {
  const bytes = new Uint8Array(1);
  const entry = (b: Uint8Array | undefined, offset: number): Entry => ({
    offset,
    original: 'x',
    body: 'x',
    wrapper: undefined,
    truncated: false,
    bytes: b,
  });
  const rec = (time: number, text: string | undefined, line: number | undefined, tags: string[] | undefined): ParsedRecord => ({
    time,
    level: text,
    logger: text,
    originFile: text,
    originLine: line,
    message: 'x',
    fieldsText: text,
    fields: undefined,
    dataset: 'x',
    tags,
  });
  const kinds = [0.5, 2 ** 40, 1, NaN];
  const evs = [
    newEvent(rec(NaN, undefined, undefined, undefined), entry(undefined, 0), 'x', 'x', 'x'),
    newEvent(rec(1.5, 'x', 1, ['x']), entry(bytes, 2 ** 40), 'x', 'x', 'x'),
  ];
  const any = (ev: SealEvent): Record<string, unknown> => ev as unknown as Record<string, unknown>;
  for (const ev of evs) {
    const o = any(ev);
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (k === 'time' || k === 'offset') {
        for (const n of kinds) o[k] = n;
      } else if (NUMBERS.has(k)) {
        for (const n of kinds) o[k] = n;
        o[k] = undefined;
      } else if (k === 'tags') {
        o[k] = ['x'];
        o[k] = undefined;
      } else if (k === 'originalBytes') {
        o[k] = bytes;
        o[k] = undefined;
      } else if (k === 'extra') {
        o[k] = { fields: [], values: [] };
        o[k] = undefined;
      } else {
        o[k] = 'x';
        o[k] = 'y';
        if (v === undefined) o[k] = undefined;
      }
      o[k] = v;
    }
  }
}

/** The events' fields that hold numbers (besides `time` and `offset`, which always do). */
const NUMBERS = new Set(['originLine', 'duration', 'sector', 'miner', 'postDeadline', 'blockHeight', 'processPid', 'sectorFirstSeen']);

settleShape();
