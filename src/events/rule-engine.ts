import type { Definitions, PipelineDefinition, RuleDefinition } from '../definitions.js';
import { normaliseTaskKey } from '../definitions.js';
import { FIELD_BY_NAME } from '../fields.js';
import type { ParsedRecord, SealEvent } from '../model.js';
import { parseDuration } from './duration.js';

interface CompiledSet {
  key: keyof SealEvent;
  value: string | number;
}

interface CompiledRule {
  def: RuleDefinition;
  loggers: Set<string> | undefined;
  set: CompiledSet[];
  fieldPaths: [capture: string, path: string[]][];
}

/** One family's rules, indexed for the cheap prefilters. */
class FamilyRules {
  /** Prefix rules bucketed by the prefix's first character. */
  private readonly byFirstChar = new Map<number, CompiledRule[]>();
  private readonly containsRules: CompiledRule[] = [];

  constructor(pipeline: PipelineDefinition) {
    for (const def of pipeline.rules) {
      const rule: CompiledRule = {
        def,
        loggers: def.loggers ? new Set(def.loggers) : undefined,
        set: Object.entries(def.set ?? {}).map(([name, value]) => ({ key: FIELD_BY_NAME.get(name)!.key as keyof SealEvent, value })),
        fieldPaths: Object.entries(def.fields ?? {}).map(([cap, path]) => [cap, path.split('.')]),
      };
      if (def.prefix) {
        const c = def.prefix.charCodeAt(0);
        let bucket = this.byFirstChar.get(c);
        if (!bucket) this.byFirstChar.set(c, (bucket = []));
        bucket.push(rule);
      } else {
        this.containsRules.push(rule);
      }
    }
  }

  /** The first rule that matches, prefix rules before contains rules, each in file order. */
  match(record: ParsedRecord, ev: SealEvent, taskTypes: Map<string, string>): boolean {
    const msg = record.message;
    const bucket = this.byFirstChar.get(msg.charCodeAt(0));
    if (bucket) {
      for (const rule of bucket) {
        if (msg.startsWith(rule.def.prefix!) && this.apply(rule, record, ev, taskTypes)) return true;
      }
    }
    for (const rule of this.containsRules) {
      if (msg.indexOf(rule.def.contains!) !== -1 && this.apply(rule, record, ev, taskTypes)) return true;
    }
    return false;
  }

  private apply(rule: CompiledRule, record: ParsedRecord, ev: SealEvent, taskTypes: Map<string, string>): boolean {
    if (rule.loggers && (record.logger === undefined || !rule.loggers.has(record.logger))) return false;
    let groups: Record<string, string | undefined> | undefined;
    const re = rule.def.regex;
    if (re) {
      const m = re.exec(record.message);
      if (!m) return false;
      groups = m.groups;
    }
    ev.action = rule.def.action;
    if (groups) {
      for (const name in groups) {
        const v = groups[name];
        if (v !== undefined) applyCapture(ev, name, v, taskTypes);
      }
    }
    if (rule.fieldPaths.length > 0) {
      const fields = structuredFields(record);
      if (fields) {
        for (const [cap, path] of rule.fieldPaths) {
          let v: unknown = fields;
          for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
          if (v !== undefined && v !== null) applyCapture(ev, cap, v, taskTypes);
        }
      }
    }
    for (const { key, value } of rule.set) (ev as unknown as Record<string, unknown>)[key] = value;
    return true;
  }
}

/** zap's trailing `{…}`, parsed the first time a rule asks for it. */
export function structuredFields(record: ParsedRecord): Record<string, unknown> | undefined {
  if (record.fields === undefined && record.fieldsText !== undefined) {
    try {
      const parsed: unknown = JSON.parse(record.fieldsText);
      if (parsed && typeof parsed === 'object') record.fields = parsed as Record<string, unknown>;
    } catch {
      (record.tags ??= []).push('fields_unparsed');
    }
    record.fieldsText = undefined;
  }
  return record.fields;
}

/** `t01005`, `f01005`, `1005`, 1005 → 1005. */
export function minerNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^(?:[tf]0)?(\d+)$/.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}

function toInt(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

const SECTOR_ID = /s-[tf]0(\d+)-(\d+)/;

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
      ev.taskType = taskTypes.get(normaliseTaskKey(s)) ?? s;
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
      ev.messageMethod = String(v);
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
  }
}

/**
 * Records → events: the first rule of the record's family that matches names
 * the action and fills the fields; no match leaves the event a `log`.
 */
export class RuleEngine {
  private readonly families = new Map<string, FamilyRules>();

  constructor(private readonly defs: Definitions) {
    for (const p of defs.pipelines) this.families.set(p.dataset, new FamilyRules(p));
  }

  /** Sets `action` and the captured fields on `ev`; true when a rule matched. */
  classify(record: ParsedRecord, ev: SealEvent): boolean {
    const family = this.families.get(record.dataset);
    return family ? family.match(record, ev, this.defs.taskTypes) : false;
  }
}
