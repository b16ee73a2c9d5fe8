import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { SealtrailError } from './errors.js';
import { ACTIONS, FIELD_BY_NAME } from './fields.js';
import { SHAPES, type ShapeName } from './records/shapes.js';

/**
 * Log families are data: `pipelines/<family>/pipeline.yaml` says what the
 * family's lines look like (shapes) and which message patterns make which
 * event (rules); `pipelines/task-types.yaml` normalises task names. This
 * module reads and checks them once at start-up; a mistake in one is a
 * configuration error naming the file and the rule.
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
}

export interface PipelineDefinition {
  name: string;
  dataset: string;
  priority: number;
  shapes: ShapeName[];
  rules: RuleDefinition[];
  file: string;
}

export interface Definitions {
  pipelines: PipelineDefinition[];
  /** Normalised task name (lower case, letters and digits only) → type. */
  taskTypes: Map<string, string>;
}

export const DEFAULT_PIPELINES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../pipelines');

export const CAPTURES = new Set([
  'sector', 'miner', 'state', 'event', 'error', 'task', 'elapsed', 'cid', 'method', 'block',
  'height', 'deadline', 'post_type', 'node_id', 'location', 'storage_host', 'path', 'sector_id',
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

function compileRule(file: string, raw: unknown, index: number): RuleDefinition {
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
      if (!CAPTURES.has(m[1]!)) fail(file, `${where}: unknown capture name "${m[1]}"`);
    }
  }
  if (r.fields !== undefined) {
    if (!r.fields || typeof r.fields !== 'object') fail(file, `${where}: fields must map capture names to field paths`);
    for (const [k, v] of Object.entries(r.fields)) {
      if (!CAPTURES.has(k)) fail(file, `${where}: unknown capture name "${k}" in fields`);
      if (typeof v !== 'string') fail(file, `${where}: fields.${k} must be a path such as deadline.Index`);
    }
    rule.fields = r.fields as Record<string, string>;
  }
  if (r.set !== undefined) {
    if (!r.set || typeof r.set !== 'object') fail(file, `${where}: set must map field names to values`);
    for (const [k, v] of Object.entries(r.set)) {
      if (!FIELD_BY_NAME.has(k)) fail(file, `${where}: set names unknown field "${k}"`);
      if (typeof v !== 'string' && typeof v !== 'number') fail(file, `${where}: set.${k} must be a string or number`);
    }
    rule.set = r.set as Record<string, string | number>;
  }
  return rule;
}

export function normaliseTaskKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function loadDefinitions(dir: string = DEFAULT_PIPELINES_DIR): Definitions {
  if (!existsSync(dir)) throw new SealtrailError('E_CONFIG', `pipelines folder ${dir} not found`, 'reinstall sealtrail');
  const pipelines: PipelineDefinition[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = join(dir, entry.name, 'pipeline.yaml');
    if (!existsSync(file)) continue;
    const raw = readYaml(file) as Record<string, unknown> | null;
    if (!raw || typeof raw !== 'object') fail(file, 'not a mapping');
    if (typeof raw.dataset !== 'string' || !/^[\w.-]+$/.test(raw.dataset)) fail(file, 'needs "dataset" of letters, digits, dots (e.g. sealtrail.lotus)');
    if (!Array.isArray(raw.shapes) || raw.shapes.length === 0) fail(file, 'needs "shapes", a list');
    for (const s of raw.shapes) if (!(s in SHAPES)) fail(file, `unknown shape ${JSON.stringify(s)}; known: ${Object.keys(SHAPES).join(', ')}`);
    const rules = Array.isArray(raw.rules) ? raw.rules.map((r, i) => compileRule(file, r, i)) : [];
    pipelines.push({
      name: entry.name,
      dataset: raw.dataset,
      priority: typeof raw.priority === 'number' ? raw.priority : 100,
      shapes: raw.shapes as ShapeName[],
      rules,
      file,
    });
  }
  if (pipelines.length === 0) throw new SealtrailError('E_CONFIG', `no pipelines/*/pipeline.yaml under ${dir}`);
  pipelines.sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));

  const taskTypes = new Map<string, string>();
  const ttFile = join(dir, 'task-types.yaml');
  if (existsSync(ttFile)) {
    const raw = readYaml(ttFile) as Record<string, unknown> | null;
    if (!raw || typeof raw !== 'object') fail(ttFile, 'not a mapping of type → names');
    for (const [type, names] of Object.entries(raw)) {
      if (!Array.isArray(names)) fail(ttFile, `${type} must list task names`);
      for (const n of names) taskTypes.set(normaliseTaskKey(String(n)), type);
    }
  }
  return { pipelines, taskTypes };
}
