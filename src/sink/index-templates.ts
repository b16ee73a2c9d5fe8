import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@elastic/elasticsearch';
import { SealtrailError } from '../errors.js';
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
