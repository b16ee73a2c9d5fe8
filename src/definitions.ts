import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { SealtrailError, usageError } from './errors.js';
import { ACTIONS, FIELD_BY_NAME, type DeclaredField, type FieldType } from './fields.js';
import type { EventKey } from './model.js';

/**
 * Log families are data: `pipelines/<family>/pipeline.yaml` says what the
 * family's lines look like (shapes), how an entry opens, which loggers it
 * owns, which captures it adds and the document fields they fill, and which
 * message patterns make which event (rules); `pipelines/task-types.yaml`
 * normalises task names. This module reads and checks them once at
 * start-up into plain data; a mistake in one is a configuration error
 * naming the file and the rule. The names of shapes and openers are code
 * the stages own (records/shapes.ts, entries/openers.ts): they are checked
 * where the flow resolves them (flow.ts), not here.
 */
export interface RuleDefinition {
  name: string;
  action: string;
  /** The message must start with this (cheapest prefilter). */
  prefix?: string;
  /** …or contain this. Every rule has one of the two. */
  contains?: string;
  /** Only for these loggers (optional). */
  loggers?: string[];
  /** Named groups are captures (see pipelines/README.md for their names). */
  regex?: RegExp;
  /** capture name → path into the entry's structured fields (`deadline.Index`). */
  fields?: Record<string, string>;
  /** contract field name → constant value. */
  set?: Record<string, string | number>;
  /** issue 10: structured field path → the text its value must read as (`ok: "false"`). */
  when?: Record<string, string>;
}

/** A line opens an entry when one of its family's openers says so: a named one, or the family's own regex. */
export type OpenerDefinition = { name: string } | { regex: RegExp };

/**
 * A capture a family adds (`captures: { worker: { field: filecoin.worker.name, type: keyword } }`):
 * the document field it fills, a contract field (`key`) or one the family
 * declares (`slot` into the event's `extra` values).
 */
export interface CaptureDefinition {
  name: string;
  field: string;
  type: 'keyword' | 'long';
  key?: EventKey;
  slot?: number;
}

export interface PipelineDefinition {
  name: string;
  dataset: string;
  priority: number;
  shapes: string[];
  opens: OpenerDefinition[];
  /** Logger names (`x::*` for every logger under x) whose records take this family's rules when the family that read them has none that matches. */
  owns: string[];
  captures: Map<string, CaptureDefinition>;
  rules: RuleDefinition[];
  /** issue 10: capture → path, taken from every record of the family whatever rule matches (`always: { fields: … }`). */
  always: Record<string, string> | undefined;
  /** A command's output (`snapshot: true`): read only when `--format` names the family, never detected per line. */
  snapshot: boolean;
  file: string;
}

export interface Definitions {
  pipelines: PipelineDefinition[];
  /** Normalised task name (lower case, letters and digits only) → type. */
  taskTypes: Map<string, string>;
  /** Document fields the families declare beyond the contract's, each with its slot in `SealEvent.extra`. */
  fields: DeclaredField[];
}

export const DEFAULT_PIPELINES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../pipelines');

/**
 * The folders pipelines come from: the bundled one, then those listed in
 * `SEALTRAIL_PIPELINES` (colon-separated, like PATH). A family folder in a
 * later one replaces the bundled family of the same name; task types add up.
 */
export function pipelineDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env.SEALTRAIL_PIPELINES ?? '').split(':').filter((d) => d !== '');
  return [DEFAULT_PIPELINES_DIR, ...extra.map((d) => resolve(d))];
}

/** The captures every family may use; what each fills is `applyCapture` in src/events/captures.ts. */
export const CAPTURES = new Set([
  'sector', 'miner', 'state', 'event', 'error', 'task', 'elapsed', 'cid', 'method', 'block',
  'height', 'deadline', 'post_type', 'node_id', 'location', 'storage_host', 'path', 'sector_id',
  // issue 10: the sealing thread, from a tracing span chain's `module{name="worker-0"}`
  'thread',
]);

function fail(file: string, what: string): never {
  throw new SealtrailError('E_CONFIG', `${file}: ${what}`, 'fix the pipeline file; see pipelines/README.md');
}

function readYaml(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(file, `cannot read: ${(err as Error).message.split('\n')[0]}`);
  }
}

function compileRule(file: string, raw: unknown, index: number, captures: Map<string, CaptureDefinition>): RuleDefinition {
  if (!raw || typeof raw !== 'object') fail(file, `rule #${index + 1} is not a mapping`);
  const r = raw as Record<string, unknown>;
  const name = typeof r.name === 'string' ? r.name : `#${index + 1}`;
  const where = `rule "${name}"`;
  if (typeof r.action !== 'string' || !ACTIONS.has(r.action)) fail(file, `${where}: unknown action ${JSON.stringify(r.action)}`);
  const rule: RuleDefinition = { name, action: r.action };
  if (typeof r.prefix === 'string' && r.prefix) rule.prefix = r.prefix;
  if (typeof r.contains === 'string' && r.contains) rule.contains = r.contains;
  if (!rule.prefix && !rule.contains) fail(file, `${where}: needs a literal "prefix" or "contains" to prefilter on`);
  if (r.loggers !== undefined) {
    if (!Array.isArray(r.loggers) || !r.loggers.every((l) => typeof l === 'string')) fail(file, `${where}: loggers must be a list of names`);
    rule.loggers = r.loggers as string[];
  }
  if (r.regex !== undefined) {
    if (typeof r.regex !== 'string') fail(file, `${where}: regex must be a string`);
    try {
      rule.regex = new RegExp(r.regex);
    } catch (err) {
      fail(file, `${where}: bad regex: ${(err as Error).message}`);
    }
    for (const m of r.regex.matchAll(/\(\?<([A-Za-z_]\w*)>/g)) {
      if (!CAPTURES.has(m[1]!) && !captures.has(m[1]!)) fail(file, `${where}: unknown capture name "${m[1]}"`);
    }
  }
  if (r.fields !== undefined) {
    if (!r.fields || typeof r.fields !== 'object') fail(file, `${where}: fields must map capture names to field paths`);
    for (const [k, v] of Object.entries(r.fields)) {
      if (!CAPTURES.has(k) && !captures.has(k)) fail(file, `${where}: unknown capture name "${k}" in fields`);
      if (typeof v !== 'string') fail(file, `${where}: fields.${k} must be a path such as deadline.Index`);
    }
    rule.fields = r.fields as Record<string, string>;
  }
  if (r.set !== undefined) {
    if (!r.set || typeof r.set !== 'object') fail(file, `${where}: set must map field names to values`);
    for (const [k, v] of Object.entries(r.set)) {
      const type = FIELD_BY_NAME.get(k)?.type ?? [...captures.values()].find((c) => c.field === k)?.type;
      if (type === undefined) fail(file, `${where}: set names unknown field "${k}"`);
      if (typeof v !== 'string' && typeof v !== 'number') fail(file, `${where}: set.${k} must be a string or number`);
      if (type === 'long' && typeof v !== 'number') fail(file, `${where}: set.${k} must be a number (${k} is a long)`);
    }
    rule.set = r.set as Record<string, string | number>;
  }
  if (r.when !== undefined) {
    const ok = r.when && typeof r.when === 'object' && Object.values(r.when).every((v) => ['string', 'number', 'boolean'].includes(typeof v));
    if (!ok) fail(file, `${where}: when must map field paths to values (ok: "false")`);
    rule.when = Object.fromEntries(Object.entries(r.when as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  return rule;
}

export function normaliseTaskKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Reads every `<dir>/<family>/pipeline.yaml` of these folders (by default the
 * bundled ones and `SEALTRAIL_PIPELINES`, see pipelineDirs) and the
 * folders' `task-types.yaml`.
 */
export function loadDefinitions(dirs: string | string[] = pipelineDirs()): Definitions {
  const list = typeof dirs === 'string' ? [dirs] : dirs;
  const byName = new Map<string, string>();
  const taskTypes = new Map<string, string>();
  for (const dir of list) {
    if (!existsSync(dir)) throw new SealtrailError('E_CONFIG', `pipelines folder ${dir} not found`, dir === DEFAULT_PIPELINES_DIR ? 'reinstall sealtrail' : 'check SEALTRAIL_PIPELINES');
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name, 'pipeline.yaml');
      if (entry.isDirectory() && existsSync(file)) byName.set(entry.name, file);
    }
    readTaskTypes(join(dir, 'task-types.yaml'), taskTypes);
  }
  if (byName.size === 0) throw new SealtrailError('E_CONFIG', `no pipelines/*/pipeline.yaml under ${list.join(', ')}`);
  const fields = new Map<string, DeclaredField>();
  const pipelines = [...byName].map(([name, file]) => readPipeline(name, file, fields));
  pipelines.sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  return { pipelines, taskTypes, fields: [...fields.values()] };
}

function readTaskTypes(file: string, into: Map<string, string>): void {
  if (!existsSync(file)) return;
  const raw = readYaml(file) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object') fail(file, 'not a mapping of type → names');
  for (const [type, names] of Object.entries(raw)) {
    if (!Array.isArray(names)) fail(file, `${type} must list task names`);
    for (const n of names) into.set(normaliseTaskKey(String(n)), type);
  }
}

const PIPELINE_KEYS = ['dataset', 'priority', 'snapshot', 'shapes', 'entries', 'owns', 'captures', 'always', 'rules'];

/** issue 10: `always: { fields: { capture: path } }`. */
function readAlways(file: string, raw: unknown, captures: Map<string, CaptureDefinition>): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const f = (raw as Record<string, unknown> | null)?.fields;
  if (!f || typeof f !== 'object') fail(file, 'always needs fields: { capture: path }');
  for (const [k, v] of Object.entries(f)) if ((!CAPTURES.has(k) && !captures.has(k)) || typeof v !== 'string') fail(file, `always: fields.${k}: a capture name and a path`);
  return f as Record<string, string>;
}

function readPipeline(name: string, file: string, fields: Map<string, DeclaredField>): PipelineDefinition {
  const raw = readYaml(file) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(file, 'not a mapping');
  for (const k of Object.keys(raw)) if (!PIPELINE_KEYS.includes(k)) fail(file, `unknown key "${k}"; known: ${PIPELINE_KEYS.join(', ')}`);
  if (typeof raw.dataset !== 'string' || !/^[\w.-]+$/.test(raw.dataset)) fail(file, 'needs "dataset" of letters, digits, dots (e.g. sealtrail.lotus)');
  if (!Array.isArray(raw.shapes) || raw.shapes.length === 0 || !raw.shapes.every((s) => typeof s === 'string')) fail(file, 'needs "shapes", a list of shape names');
  const captures = readCaptures(file, raw.captures, fields);
  if (raw.snapshot !== undefined && typeof raw.snapshot !== 'boolean') fail(file, '"snapshot" is true or false');
  return {
    name,
    dataset: raw.dataset,
    priority: typeof raw.priority === 'number' ? raw.priority : 100,
    shapes: raw.shapes as string[],
    opens: readOpeners(file, raw.entries),
    owns: stringList(file, 'owns.loggers', (raw.owns as Record<string, unknown> | undefined)?.loggers ?? []),
    captures,
    rules: Array.isArray(raw.rules) ? raw.rules.map((r, i) => compileRule(file, r, i, captures)) : [],
    always: readAlways(file, raw.always, captures),
    snapshot: raw.snapshot === true,
    file,
  };
}

function stringList(file: string, what: string, v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) fail(file, `${what} must be a list of names`);
  return v as string[];
}

function readOpeners(file: string, raw: unknown): OpenerDefinition[] {
  const opens = (raw as Record<string, unknown> | undefined)?.opens;
  if (!Array.isArray(opens) || opens.length === 0) fail(file, 'needs "entries: { opens: [...] }": how a line opens an entry (date, json-object, or { regex: ... })');
  return opens.map((o): OpenerDefinition => {
    if (typeof o === 'string') return { name: o };
    const re = (o as Record<string, unknown> | null)?.regex;
    if (typeof re !== 'string') fail(file, `entries.opens: ${JSON.stringify(o)} is neither an opener's name nor { regex: ... }`);
    try {
      return { regex: new RegExp(re) };
    } catch (err) {
      fail(file, `entries.opens: bad regex: ${(err as Error).message}`);
    }
  });
}

const FIELD_NAME = /^filecoin(?:\.[a-z][a-z0-9_]*)+$/;

/**
 * `captures: { name: { field, type } }`. A contract field keeps its own type;
 * a new field lives under `filecoin.` (the events template maps that part
 * dynamically, by the JSON type the declared type writes) and is declared
 * once for all families: the same name must have the same type everywhere.
 */
function readCaptures(file: string, raw: unknown, fields: Map<string, DeclaredField>): Map<string, CaptureDefinition> {
  const out = new Map<string, CaptureDefinition>();
  if (raw === undefined) return out;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(file, 'captures must map capture names to { field, type }');
  for (const [name, spec] of Object.entries(raw)) {
    const where = `captures.${name}`;
    if (!/^[a-z][a-z0-9_]*$/.test(name)) fail(file, `${where}: a capture name is lower case letters, digits and _`);
    if (CAPTURES.has(name)) fail(file, `${where}: "${name}" is a shared capture already (pipelines/README.md)`);
    const s = spec as Record<string, unknown> | null;
    if (!s || typeof s !== 'object' || typeof s.field !== 'string') fail(file, `${where}: needs field, the document field it fills`);
    const type = s.type as FieldType | undefined;
    if (type !== undefined && type !== 'keyword' && type !== 'long') fail(file, `${where}: type must be keyword or long`);
    const contract = FIELD_BY_NAME.get(s.field);
    if (contract) {
      if (contract.key === 'tags' || contract.type === 'date') fail(file, `${where}: ${s.field} is not a field a capture may fill`);
      if (type !== undefined && type !== contract.type) fail(file, `${where}: ${s.field} is a ${contract.type}, not a ${type}`);
      out.set(name, { name, field: s.field, type: contract.type as 'keyword' | 'long', key: contract.key });
      continue;
    }
    if (!FIELD_NAME.test(s.field)) fail(file, `${where}: a new field is named filecoin.<lower_case>... (got "${s.field}")`);
    for (const other of [...FIELD_BY_NAME.keys(), ...fields.keys()]) {
      if (other.startsWith(`${s.field}.`) || s.field.startsWith(`${other}.`)) fail(file, `${where}: ${s.field} and the field ${other} cannot both exist`);
    }
    const declared = fields.get(s.field) ?? { name: s.field, type: type ?? 'keyword', slot: fields.size };
    if (declared.type !== (type ?? 'keyword')) fail(file, `${where}: ${s.field} is declared a ${declared.type} by another family`);
    fields.set(s.field, declared);
    out.set(name, { name, field: s.field, type: declared.type as 'keyword' | 'long', slot: declared.slot });
  }
  return out;
}

/**
 * The families a stream may hold: all of them, or the one `--format` names
 * (by folder name or dataset); an unknown name is an operator's mistake.
 */
export function selectFamilies<T extends { name: string; dataset: string; snapshot?: boolean }>(families: T[], format: string | undefined): T[] {
  // A command's output is never guessed line by line: only `--format NAME` reads it.
  if (!format) return families.filter((p) => !p.snapshot);
  const chosen = families.filter((p) => p.name === format || p.dataset === format);
  if (chosen.length === 0) throw usageError(`unknown --format "${format}"`, `known: ${families.map((p) => p.name).join(', ')}`);
  return chosen;
}
