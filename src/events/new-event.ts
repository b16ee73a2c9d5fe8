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
