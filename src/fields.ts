import type { EventKey, FieldType } from './model.js';

export type { DeclaredField, FieldType } from './model.js';

/**
 * The contract's document fields and the flat event keys that hold them.
 * The serialiser nests them in this order; rule files name fields by their
 * contract name (`filecoin.post.type`) and are resolved through this table.
 */
export interface FieldSpec {
  name: string;
  key: EventKey | 'tags';
  type: FieldType;
}

export const FIELDS: readonly FieldSpec[] = [
  { name: '@timestamp', key: 'time', type: 'date' },
  { name: 'event.id', key: 'id', type: 'keyword' },
  { name: 'event.action', key: 'action', type: 'keyword' },
  { name: 'event.dataset', key: 'dataset', type: 'keyword' },
  { name: 'event.duration', key: 'duration', type: 'long' },
  { name: 'event.original', key: 'original', type: 'keyword' },
  { name: 'message', key: 'message', type: 'keyword' },
  { name: 'log.level', key: 'level', type: 'keyword' },
  { name: 'log.logger', key: 'logger', type: 'keyword' },
  { name: 'log.origin.file.name', key: 'originFile', type: 'keyword' },
  { name: 'log.origin.file.line', key: 'originLine', type: 'long' },
  { name: 'log.file.path', key: 'path', type: 'keyword' },
  { name: 'log.offset', key: 'offset', type: 'long' },
  { name: 'log.syslog.hostname', key: 'syslogHost', type: 'keyword' },
  { name: 'host.name', key: 'host', type: 'keyword' },
  { name: 'process.name', key: 'processName', type: 'keyword' },
  { name: 'process.pid', key: 'processPid', type: 'long' },
  { name: 'container.name', key: 'containerName', type: 'keyword' },
  { name: 'error.message', key: 'errorMessage', type: 'keyword' },
  { name: 'error.code', key: 'errorCode', type: 'keyword' },
  { name: 'file.path', key: 'filePath', type: 'keyword' },
  { name: 'file.name', key: 'fileName', type: 'keyword' },
  { name: 'filecoin.miner.id', key: 'miner', type: 'long' },
  { name: 'filecoin.sector.number', key: 'sector', type: 'long' },
  { name: 'filecoin.sector.state', key: 'state', type: 'keyword' },
  { name: 'filecoin.sector.previous_state', key: 'previousState', type: 'keyword' },
  { name: 'filecoin.sector.event', key: 'smEvent', type: 'keyword' },
  { name: 'filecoin.storage.node_id', key: 'nodeId', type: 'keyword' },
  { name: 'filecoin.storage.location', key: 'location', type: 'keyword' },
  { name: 'filecoin.storage.host', key: 'storageHost', type: 'keyword' },
  { name: 'filecoin.task.name', key: 'taskName', type: 'keyword' },
  { name: 'filecoin.task.type', key: 'taskType', type: 'keyword' },
  // issue 10 (damocles): the sealing thread's plan (sealer, snapup, rebuild, unseal, wdpost, …) and the thread.
  { name: 'filecoin.task.plan', key: 'taskPlan', type: 'keyword' },
  { name: 'filecoin.worker.thread', key: 'workerThread', type: 'keyword' },
  { name: 'filecoin.message.cid', key: 'messageCid', type: 'keyword' },
  { name: 'filecoin.message.method', key: 'messageMethod', type: 'keyword' },
  { name: 'filecoin.post.type', key: 'postType', type: 'keyword' },
  { name: 'filecoin.post.deadline', key: 'postDeadline', type: 'long' },
  { name: 'filecoin.block.cid', key: 'blockCid', type: 'keyword' },
  { name: 'filecoin.block.height', key: 'blockHeight', type: 'long' },
  { name: 'tags', key: 'tags', type: 'keyword' },
];

export const FIELD_BY_NAME: ReadonlyMap<string, FieldSpec> = new Map(FIELDS.map((f) => [f.name, f]));

/** Every `event.action` the contract names, plus `log`. */
export const ACTIONS = new Set([
  'log',
  'sector-created',
  'sector-state-changed',
  'sector-observed',
  'sector-error',
  'sector-faulty',
  'task-started',
  'task-finished',
  'task-failed',
  'message-sent',
  'message-landed',
  'post-started',
  'post-finished',
  'post-failed',
  'block-mined',
]);
