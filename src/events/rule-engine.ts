import type { Definitions, PipelineDefinition, RuleDefinition } from '../definitions.js';
import { FIELD_BY_NAME } from '../fields.js';
import type { ParsedRecord, SealEvent } from '../model.js';
import { captureApplier, setExtra, type CaptureApplier } from './captures.js';

interface CompiledRule {
  def: RuleDefinition;
  loggers: Set<string> | undefined;
  /** The regex's named groups, in the pattern's order, each with what it fills. */
  groups: [name: string, apply: CaptureApplier][];
  fieldPaths: [path: string[], apply: CaptureApplier][];
  /** `set:` applied last: contract fields by key, declared ones by slot. */
  set: ((ev: SealEvent) => void)[];
  /** issue 10: structured field paths and the text their values must read as. */
  when: [path: string[], value: string][] | undefined;
}

/** The first three characters of a text as one small integer, when they are ASCII; -1 otherwise. */
function key3(s: string): number {
  const a = s.charCodeAt(0);
  const b = s.charCodeAt(1);
  const c = s.charCodeAt(2); // NaN past the end: the test below fails
  return a < 128 && b < 128 && c < 128 ? a | (b << 7) | (c << 14) : -1;
}

/**
 * One family's rules, indexed for the cheap prefilters. A message is tried
 * only against the prefix rules its first three characters allow (one Map
 * lookup; rules with shorter prefixes are merged into those lists in file
 * order), and each distinct `contains` literal is searched for once.
 */
class FamilyRules {
  /** Prefix rules by the prefix's first character: messages that have no ASCII key. */
  private readonly byFirstChar = new Map<number, CompiledRule[]>();
  /** Prefix rules a message with these first three characters can match, in file order. */
  private readonly byKey = new Map<number, CompiledRule[]>();
  /** Prefix rules shorter than three characters, by first character: a key no longer prefix has. */
  private readonly shortByFirstChar = new Map<number, CompiledRule[]>();
  private readonly containsRules: CompiledRule[] = [];
  /** Each contains rule's literal, as an index into `literals`. */
  private readonly containsLiteral: number[] = [];
  private readonly literals: string[] = [];
  /** Per match: 0 not searched yet, 1 found, 2 absent. */
  private readonly literalSeen: Uint8Array;
  /** issue 10: the family's `always:` captures. */
  private readonly always: [path: string[], apply: CaptureApplier][] | undefined;

  constructor(pipeline: PipelineDefinition, defs: Definitions) {
    const a = pipeline.always;
    this.always = a ? Object.entries(a).map(([cap, path]) => [path.split('.'), captureApplier(cap, pipeline.captures, defs)]) : undefined;
    const prefixRules: CompiledRule[] = [];
    for (const def of pipeline.rules) {
      const groupNames = def.regex ? [...def.regex.source.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1]!) : [];
      const rule: CompiledRule = {
        def,
        loggers: def.loggers ? new Set(def.loggers) : undefined,
        groups: groupNames.map((name) => [name, captureApplier(name, pipeline.captures, defs)]),
        fieldPaths: Object.entries(def.fields ?? {}).map(([cap, path]) => [path.split('.'), captureApplier(cap, pipeline.captures, defs)]),
        set: Object.entries(def.set ?? {}).map(([name, value]) => setter(name, value, pipeline, defs)),
        when: def.when ? Object.entries(def.when).map(([path, value]) => [path.split('.'), value]) : undefined,
      };
      if (def.prefix) {
        prefixRules.push(rule);
        pushTo(this.byFirstChar, def.prefix.charCodeAt(0), rule);
      } else {
        let at = this.literals.indexOf(def.contains!);
        if (at === -1) at = this.literals.push(def.contains!) - 1;
        this.containsRules.push(rule);
        this.containsLiteral.push(at);
      }
    }
    this.literalSeen = new Uint8Array(this.literals.length);
    for (const rule of prefixRules) {
      const prefix = rule.def.prefix!;
      if (prefix.length < 3) pushTo(this.shortByFirstChar, prefix.charCodeAt(0), rule);
    }
    for (const rule of prefixRules) {
      const prefix = rule.def.prefix!;
      const k = prefix.length >= 3 ? key3(prefix) : -1;
      if (k === -1 || this.byKey.has(k)) continue;
      const head = prefix.slice(0, 3);
      // Every prefix rule a message starting with `head` may match, in file order.
      this.byKey.set(k, prefixRules.filter((r) => (r.def.prefix!.length >= 3 ? r.def.prefix!.startsWith(head) : head.startsWith(r.def.prefix!))));
    }
  }

  /** The first rule that matches, prefix rules before contains rules, each in file order. */
  match(record: ParsedRecord, ev: SealEvent, own = false): boolean {
    // `always:` reads the family's own records only (not those of loggers it owns in others' logs).
    if (own && this.always) this.applyAlways(record, ev);
    const msg = record.message;
    const k = key3(msg);
    const bucket = k !== -1 ? (this.byKey.get(k) ?? this.shortByFirstChar.get(msg.charCodeAt(0))) : this.byFirstChar.get(msg.charCodeAt(0));
    if (bucket !== undefined) {
      for (let i = 0; i < bucket.length; i++) {
        const rule = bucket[i]!;
        if (msg.startsWith(rule.def.prefix!) && apply(rule, record, ev)) return true;
      }
    }
    const rules = this.containsRules;
    if (rules.length === 0) return false;
    const seen = this.literalSeen;
    seen.fill(0);
    for (let i = 0; i < rules.length; i++) {
      const lit = this.containsLiteral[i]!;
      let state = seen[lit]!;
      if (state === 0) seen[lit] = state = msg.indexOf(this.literals[lit]!) !== -1 ? 1 : 2;
      if (state === 1 && apply(rules[i]!, record, ev)) return true;
    }
    return false;
  }

  private applyAlways(record: ParsedRecord, ev: SealEvent): void {
    const fields = structuredFields(record);
    if (fields) applyPaths(fields, this.always!, ev);
  }
}

function pushTo(map: Map<number, CompiledRule[]>, k: number, rule: CompiledRule): void {
  const list = map.get(k);
  if (list) list.push(rule);
  else map.set(k, [rule]);
}

function applyPaths(fields: Record<string, unknown>, paths: [path: string[], apply: CaptureApplier][], ev: SealEvent): void {
  for (const [path, applyTo] of paths) {
    const v = valueAt(fields, path);
    if (v !== undefined && v !== null) applyTo(ev, v);
  }
}

function valueAt(fields: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = fields;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function setter(name: string, value: string | number, pipeline: PipelineDefinition, defs: Definitions): (ev: SealEvent) => void {
  const contract = FIELD_BY_NAME.get(name);
  if (contract) {
    const key = contract.key;
    return (ev) => ((ev as unknown as Record<string, unknown>)[key] = value);
  }
  const slot = [...pipeline.captures.values()].find((c) => c.field === name)!.slot!;
  return (ev) => setExtra(ev, defs.fields, slot, value);
}

function apply(rule: CompiledRule, record: ParsedRecord, ev: SealEvent): boolean {
  if (rule.loggers && (record.logger === undefined || !rule.loggers.has(record.logger))) return false;
  const re = rule.def.regex;
  let groups: Record<string, string | undefined> | undefined;
  if (re) {
    const m = re.exec(record.message);
    if (!m) return false;
    groups = m.groups;
  }
  if (rule.when) {
    const fields = structuredFields(record);
    for (const [path, value] of rule.when) {
      const v = fields ? valueAt(fields, path) : undefined;
      if (v === undefined || v === null || String(v) !== value) return false;
    }
  }
  ev.action = rule.def.action;
  if (groups) {
    for (const [name, applyTo] of rule.groups) {
      const v = groups[name];
      if (v !== undefined) applyTo(ev, v);
    }
  }
  if (rule.fieldPaths.length > 0) {
    const fields = structuredFields(record);
    if (fields) applyPaths(fields, rule.fieldPaths, ev);
  }
  for (const set of rule.set) set(ev);
  return true;
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

/** A family's `owns.loggers` entry: an exact logger name, or `x::*` for x's loggers. */
interface Ownership {
  exact: string | undefined;
  prefix: string | undefined;
  rules: FamilyRules;
}

/**
 * Records → events: the first rule of the record's family (the one whose
 * shape read it) that matches names the action and fills the fields; when
 * none does and another family owns the record's logger (filcrypto owns
 * `filcrypto::*`, wherever lotus' JSON log carries its lines), that
 * family's rules are tried next. No match leaves the event a `log`.
 */
export class RuleEngine {
  private readonly families = new Map<string, FamilyRules>();
  private readonly owners: Ownership[] = [];
  /** First characters of the owned loggers: most records skip the owners' list on one test. */
  private readonly ownerStarts = new Set<number>();

  constructor(defs: Definitions) {
    for (const p of defs.pipelines) {
      const rules = new FamilyRules(p, defs);
      this.families.set(p.dataset, rules);
      for (const name of p.owns) {
        const prefix = name.endsWith('*') ? name.slice(0, -1) : undefined;
        this.owners.push({ exact: prefix === undefined ? name : undefined, prefix, rules });
        this.ownerStarts.add(name.charCodeAt(0));
      }
    }
  }

  /** Sets `action` and the captured fields on `ev`; true when a rule matched. */
  classify(record: ParsedRecord, ev: SealEvent): boolean {
    const family = this.families.get(record.dataset);
    if (family && family.match(record, ev, true)) return true;
    const logger = record.logger;
    if (logger === undefined || !this.ownerStarts.has(logger.charCodeAt(0))) return false;
    for (const o of this.owners) {
      if (o.rules !== family && (o.exact === undefined ? logger.startsWith(o.prefix!) : logger === o.exact)) return o.rules.match(record, ev);
    }
    return false;
  }
}
