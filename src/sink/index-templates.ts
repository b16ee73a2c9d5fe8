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

/**
 * Installs the index templates from mappings/ and creates the sectors index.
 * Idempotent: a template whose `version` matches is left alone.
 */
export async function installTemplates(client: Client): Promise<SetupStep[]> {
  const steps: SetupStep[] = [];
  for (const t of TEMPLATES) {
    const body = readTemplate(t.file);
    let existing: number | undefined;
    let found = false;
    try {
      const res = await client.indices.getIndexTemplate({ name: t.name });
      found = res.index_templates.length > 0;
      existing = res.index_templates[0]?.index_template.version ?? undefined;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    if (found && existing === body.version) {
      steps.push({ what: `index template ${t.name} (version ${existing})`, result: 'unchanged' });
      continue;
    }
    await client.indices.putIndexTemplate({ name: t.name, ...body } as Parameters<Client['indices']['putIndexTemplate']>[0]);
    steps.push({ what: `index template ${t.name} (version ${body.version})`, result: found ? 'updated' : 'created' });
    if (found) steps.push(...(await updateExistingMappings(client, body)));
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
