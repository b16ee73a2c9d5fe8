import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@elastic/elasticsearch';
import { SealtrailError, cut } from '../errors.js';
import { EVENTS_INDEX_BASE, SECTORS_INDEX } from '../elasticsearch.js';

export const MAPPINGS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../mappings');

const TEMPLATES = [
  { name: EVENTS_INDEX_BASE, file: 'events-template.json' },
  { name: SECTORS_INDEX, file: 'sectors-template.json' },
];

export interface SetupStep {
  what: string;
  result: 'created' | 'updated' | 'unchanged';
}

function readTemplate(file: string): Record<string, unknown> & { version?: number } {
  const path = resolve(MAPPINGS_DIR, file);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & { version?: number };
  } catch (err) {
    throw new SealtrailError('E_CONFIG', `cannot read ${path}: ${(err as Error).message}`, 'reinstall sealtrail');
  }
}

/**
 * A template reaches only indices created after it: the sectors index lives
 * for ever and this month's events index for weeks, so a new version (such
 * as `ignore_above` on keywords) is also put on the indices there are. An
 * index whose mapping disagrees keeps its own, and setup says so.
 */
async function updateExistingMappings(client: Client, body: Record<string, unknown>): Promise<SetupStep[]> {
  const patterns = body.index_patterns as string[];
  const mappings = (body.template as { mappings?: Record<string, unknown> } | undefined)?.mappings;
  if (!mappings) return [];
  const existing = await client.indices.get({ index: patterns, allow_no_indices: true, ignore_unavailable: true, filter_path: '*.settings.index.provided_name' });
  const steps: SetupStep[] = [];
  for (const index of Object.keys(existing).sort()) {
    try {
      await client.indices.putMapping({ index, ...mappings } as Parameters<Client['indices']['putMapping']>[0]);
      steps.push({ what: `mapping of index ${index}`, result: 'updated' });
    } catch (err) {
      const reason = (err as { body?: { error?: { reason?: string } } }).body?.error?.reason ?? (err as Error).message;
      steps.push({ what: `mapping of index ${index} (kept its own: ${cut(reason, 200)})`, result: 'unchanged' });
    }
  }
  return steps;
}

/** How many copies of each shard: a fixed number, or `auto_expand_replicas` (the shipped `0-1`). */
export interface Replicas {
  number: string;
  auto: string;
}

type IndexSettings = { index?: Record<string, unknown> } & Record<string, unknown>;

function replicasOf(settings: IndexSettings | undefined): Replicas {
  const flat = (k: string) => settings?.index?.[k] ?? settings?.[`index.${k}`];
  return { number: String(flat('number_of_replicas') ?? '1'), auto: String(flat('auto_expand_replicas') ?? 'false') };
}

const sameReplicas = (a: Replicas, b: Replicas) => a.number === b.number && a.auto === b.auto;

/** Puts the replica setting on the indices there are (a template reaches only new ones). */
async function updateExistingReplicas(client: Client, patterns: string[], r: Replicas): Promise<SetupStep[]> {
  const existing = await client.indices.get({ index: patterns, allow_no_indices: true, ignore_unavailable: true, filter_path: '*.settings.index.provided_name' });
  const steps: SetupStep[] = [];
  for (const index of Object.keys(existing).sort()) {
    await client.indices.putSettings({ index, settings: { index: { number_of_replicas: Number(r.number), auto_expand_replicas: r.auto } } });
    steps.push({ what: `replicas of index ${index}: ${describeReplicas(r)}`, result: 'updated' });
  }
  return steps;
}

export function describeReplicas(r: Replicas): string {
  return r.auto !== 'false' ? `auto_expand_replicas ${r.auto}` : `${r.number} (fixed)`;
}

/**
 * Installs the index templates from mappings/ and creates the sectors index.
 * Idempotent: a template whose `version` matches is left alone. The replica
 * setting is `replicas` when given (`setup --replicas N`: a fixed number);
 * else the one installed is kept (so `run`, which calls this at every start,
 * never undoes a `setup --replicas`), else the shipped `auto_expand_replicas`.
 */
export async function installTemplates(client: Client, opts: { replicas?: number | 'auto'; ifAllowed?: (line: string) => void } = {}): Promise<SetupStep[]> {
  const steps: SetupStep[] = [];
  for (const t of TEMPLATES) {
    const body = readTemplate(t.file);
    let existing: number | undefined;
    let found = false;
    let installed: Replicas | undefined;
    try {
      const res = await client.indices.getIndexTemplate({ name: t.name });
      found = res.index_templates.length > 0;
      const it = res.index_templates[0]?.index_template;
      existing = it?.version ?? undefined;
      if (it) installed = replicasOf(it.template?.settings as IndexSettings | undefined);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    const template = body.template as { settings: IndexSettings };
    const shipped = replicasOf(template.settings);
    const wanted = opts.replicas === 'auto' ? shipped : opts.replicas !== undefined ? { number: String(opts.replicas), auto: 'false' } : (installed ?? shipped);
    template.settings.index = { ...template.settings.index, number_of_replicas: Number(wanted.number), auto_expand_replicas: wanted.auto };
    const replicasChange = installed !== undefined && !sameReplicas(installed, wanted);
    if (found && existing === body.version && !replicasChange) {
      steps.push({ what: `index template ${t.name} (version ${existing})`, result: 'unchanged' });
      continue;
    }
    try {
      await client.indices.putIndexTemplate({ name: t.name, ...body } as Parameters<Client['indices']['putIndexTemplate']>[0]);
    } catch (err) {
      // `run` with a key that may only write (examples/roles.yml): templates are `setup`'s job.
      if (!opts.ifAllowed || (err as { statusCode?: number }).statusCode !== 403) throw err;
      if (!found) {
        throw new SealtrailError('E_ES_REQUEST', `index template ${t.name} is not installed, and these credentials may not install it (HTTP 403)`, 'run `sealtrail setup` once with credentials of the role sealtrail_setup (examples/roles.yml)');
      }
      opts.ifAllowed(`index template ${t.name} is version ${existing}, this sealtrail ships ${body.version}, and these credentials may not update it (HTTP 403); run \`sealtrail setup\` with credentials of sealtrail_setup`);
      continue;
    }
    steps.push({ what: `index template ${t.name} (version ${body.version})`, result: found ? 'updated' : 'created' });
    if (found && existing !== body.version) steps.push(...(await updateExistingMappings(client, body)));
    if (replicasChange) {
      steps.push({ what: `replicas of new ${t.name} indices: ${describeReplicas(wanted)}`, result: 'updated' });
      steps.push(...(await updateExistingReplicas(client, body.index_patterns as string[], wanted)));
    }
  }
  const exists = await client.indices.exists({ index: SECTORS_INDEX });
  if (!exists) {
    try {
      await client.indices.create({ index: SECTORS_INDEX });
      steps.push({ what: `index ${SECTORS_INDEX}`, result: 'created' });
    } catch (err) {
      const type = (err as { body?: { error?: { type?: string } } }).body?.error?.type;
      if (type !== 'resource_already_exists_exception') throw err;
      steps.push({ what: `index ${SECTORS_INDEX}`, result: 'unchanged' });
    }
  } else {
    steps.push({ what: `index ${SECTORS_INDEX}`, result: 'unchanged' });
  }
  return steps;
}

/** The replica setting the events template has now (what `setup` reports). */
export async function installedReplicas(client: Client): Promise<Replicas | undefined> {
  const res = await client.indices.getIndexTemplate({ name: EVENTS_INDEX_BASE });
  const it = res.index_templates[0]?.index_template;
  return it ? replicasOf(it.template?.settings as IndexSettings | undefined) : undefined;
}

/** Copies of each shard beside its primary that `r` makes on a cluster of `dataNodes`. */
export function replicaCount(r: Replicas, dataNodes: number): number {
  if (r.auto === 'false') return Number(r.number);
  const [lo, hi] = r.auto.split('-');
  const max = hi === 'all' ? dataNodes - 1 : Number(hi);
  return Math.max(Number(lo), Math.min(max, dataNodes - 1));
}
