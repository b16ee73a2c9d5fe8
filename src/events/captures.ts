import type { CaptureDefinition, Definitions } from '../definitions.js';
import { normaliseTaskKey } from '../definitions.js';
import type { SealEvent } from '../model.js';
import { minerNumber, toInt } from '../values.js';
import { parseDuration } from './duration.js';
import { minerMethodName } from './miner-methods.js';

/**
 * Captures put what a rule matched into event fields. The shared ones
 * (`CAPTURES` in definitions.ts, the table in pipelines/README.md) read
 * lotus' and the proofs' own spellings, so they are code; the ones a family
 * declares (`captures:` in its pipeline file) fill one field of their type.
 */
export type CaptureApplier = (ev: SealEvent, v: unknown) => void;

/** The applier for a capture name a rule of this family uses. */
export function captureApplier(name: string, family: Map<string, CaptureDefinition>, defs: Definitions): CaptureApplier {
  const declared = family.get(name);
  if (declared) return declaredApplier(declared, defs);
  const taskTypes = defs.taskTypes;
  return (ev, v) => applyCapture(ev, name, v, taskTypes);
}

/** A keyword takes text (an object as JSON), a long a number or numeric string. */
export function fieldValue(type: 'keyword' | 'long', v: unknown): string | number | undefined {
  if (type === 'long') return toInt(v);
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function declaredApplier(c: CaptureDefinition, defs: Definitions): CaptureApplier {
  const type = c.type;
  if (c.key !== undefined) {
    const key = c.key;
    return (ev, v) => {
      const value = fieldValue(type, v);
      if (value !== undefined) (ev as unknown as Record<string, unknown>)[key] = value;
    };
  }
  const slot = c.slot!;
  const fields = defs.fields;
  return (ev, v) => {
    const value = fieldValue(type, v);
    if (value !== undefined) setExtra(ev, fields, slot, value);
  };
}

/** Sets a declared field's value on the event (its `extra` made on first use). */
export function setExtra(ev: SealEvent, fields: Definitions['fields'], slot: number, value: string | number): void {
  (ev.extra ??= { fields, values: [] }).values[slot] = value;
}

const SECTOR_ID = /s-[tf]0(\d+)-(\d+)/;
const MODULE_SPAN = 'module{name=';

/** Task names seen → their type, per task-type table: the name's key is made once, not once a line. */
const TASK_TYPE_CACHE = new WeakMap<Map<string, string>, { size: number; types: Map<string, string> }>();
const MAX_CACHED_TASK_NAMES = 1024;

function taskTypeOf(name: string, taskTypes: Map<string, string>): string {
  let c = TASK_TYPE_CACHE.get(taskTypes);
  if (c === undefined || c.size !== taskTypes.size) TASK_TYPE_CACHE.set(taskTypes, (c = { size: taskTypes.size, types: new Map() }));
  let type = c.types.get(name);
  if (type === undefined) {
    type = taskTypes.get(normaliseTaskKey(name)) ?? name;
    if (c.types.size >= MAX_CACHED_TASK_NAMES) c.types.clear();
    c.types.set(name, type);
  }
  return type;
}

/** Puts one named capture (see pipelines/README.md) into its event field. */
export function applyCapture(ev: SealEvent, name: string, v: unknown, taskTypes: Map<string, string>): void {
  switch (name) {
    case 'sector': {
      if (v !== null && typeof v === 'object') {
        // lotus logs abi.SectorID as {"Miner": 1000, "Number": 5}, a SectorRef as {"ID": {…}, "ProofType": 8}
        let o = v as Record<string, unknown>;
        if (o.ID !== null && typeof o.ID === 'object') o = o.ID as Record<string, unknown>;
        const n = toInt(o.Number ?? o.number);
        if (n !== undefined) ev.sector = n;
        const mi = minerNumber(o.Miner ?? o.miner);
        if (mi !== undefined) ev.miner = mi;
      } else {
        const n = toInt(v);
        if (n !== undefined) ev.sector = n;
      }
      break;
    }
    case 'sector_id': {
      const m = SECTOR_ID.exec(String(v));
      if (m) {
        ev.miner = Number(m[1]);
        ev.sector = Number(m[2]);
      }
      break;
    }
    case 'miner': {
      const mi = minerNumber(v);
      if (mi !== undefined) ev.miner = mi;
      break;
    }
    case 'state':
      ev.state = String(v);
      break;
    case 'event': {
      // `sealing.SectorCommitFailed` or `*sealing.SectorCommitFailed` → SectorCommitFailed
      const s = String(v);
      ev.smEvent = s.slice(s.lastIndexOf('.') + 1).replace(/^\*/, '');
      break;
    }
    case 'error':
      ev.errorMessage = typeof v === 'string' ? v : JSON.stringify(v);
      break;
    case 'task': {
      const s = String(v);
      ev.taskName = s;
      ev.taskType = taskTypeOf(s, taskTypes);
      break;
    }
    case 'elapsed': {
      const ns = parseDuration(v as string | number);
      if (Number.isFinite(ns)) ev.duration = ns;
      break;
    }
    case 'cid':
      ev.messageCid = String(v);
      break;
    case 'method':
      ev.messageMethod = minerMethodName(v);
      break;
    case 'block':
      ev.blockCid = typeof v === 'object' && v !== null && '/' in v ? String((v as Record<string, unknown>)['/']) : String(v);
      break;
    case 'height': {
      const n = toInt(v);
      if (n !== undefined) ev.blockHeight = n;
      break;
    }
    case 'deadline': {
      const n = toInt(v);
      if (n !== undefined) ev.postDeadline = n;
      break;
    }
    case 'post_type':
      ev.postType = String(v).toLowerCase();
      break;
    case 'node_id':
      ev.nodeId = String(v);
      break;
    case 'location':
      ev.location = String(v);
      break;
    case 'storage_host':
      ev.storageHost = String(v);
      break;
    case 'path':
      ev.filePath = String(v);
      break;
    case 'thread': {
      // issue 10: a span chain (`module{name="worker-0"}:seal{…}`, the rust-tracing shape's `spans`): its module's name
      const s = String(v);
      const at = s.indexOf(MODULE_SPAN);
      if (at === -1) break;
      const from = at + MODULE_SPAN.length;
      const quoted = s.charCodeAt(from) === 34;
      const end = quoted ? s.indexOf('"', from + 1) : s.indexOf('}', from);
      if (end > from) ev.workerThread = s.slice(quoted ? from + 1 : from, end);
      break;
    }
  }
}
