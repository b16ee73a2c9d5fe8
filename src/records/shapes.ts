import { damoclesSectorsState } from './damocles-sectors-state.js';
import { damoclesWorkerInfo } from './damocles-worker-info.js';
import { damoclesWorkerList } from './damocles-worker-list.js';
import { lotusChainList } from './lotus-chain-list.js';
import { lotusSectorsList } from './lotus-sectors-list.js';
import { lotusSectorsStatus } from './lotus-sectors-status.js';
import { rustLog } from './rust-log.js';
import { rustTracing } from './rust-tracing.js';
import type { Shape } from './shape.js';
import { zapConsole } from './zap-console.js';
import { zapJson } from './zap-json.js';

export type { Shape, ShapeParser, SnapshotOptions, SnapshotParser } from './shape.js';

/**
 * The shapes a pipeline file may name (`shapes: [zap-console, zap-json]`):
 * an open registry, name → code. A family that writes an existing shape only
 * names it; a new shape is a file beside these and one line here (or a
 * `registerShape` call before the pipelines are resolved).
 */
const SHAPES = new Map<string, Shape>([
  ['zap-console', { takes: 'timed', parse: zapConsole }],
  ['zap-json', { takes: 'json', parse: zapJson }],
  ['rust-log', { takes: 'timed', parse: rustLog }],
  ['rust-tracing', { takes: 'timed', parse: rustTracing }],
  ['lotus-sectors-status', { takes: 'snapshot', start: lotusSectorsStatus }],
  ['lotus-chain-list', { takes: 'snapshot', start: lotusChainList }],
  ['lotus-sectors-list', { takes: 'snapshot', start: lotusSectorsList }],
  ['damocles-worker-list', { takes: 'snapshot', start: damoclesWorkerList }],
  ['damocles-worker-info', { takes: 'snapshot', start: damoclesWorkerInfo }],
  ['damocles-sectors-state', { takes: 'snapshot', start: damoclesSectorsState }],
]);

export function registerShape(name: string, shape: Shape): void {
  if (SHAPES.has(name)) throw new Error(`shape ${name} is already registered`);
  SHAPES.set(name, shape);
}

export function shapeNamed(name: string): Shape | undefined {
  return SHAPES.get(name);
}

export function shapeNames(): string[] {
  return [...SHAPES.keys()];
}
