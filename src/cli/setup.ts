import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SealtrailError, cut, usageError } from '../errors.js';
import { checkHttpUrl, checkServer, createClient, describeTransportError, esUrl, redactUrl } from '../elasticsearch.js';
import { type Replicas, describeReplicas, installTemplates, installedReplicas, replicaCount } from '../sink/index-templates.js';
import { type Command, parseCommandLine } from './common.js';

const KIBANA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../kibana');

const usage = `Usage: sealtrail setup [options]

Installs sealtrail's index templates (mappings/) into Elasticsearch and
creates the sealtrail-sectors index; with --kibana, also imports the Kibana
data views, searches, visualisations and dashboard (kibana/*.ndjson).
Safe to run again: what is already current is left alone.

Options:
  --es URL         an Elasticsearch node, repeatable for a cluster's nodes
                   (default: $ES_URL, comma-separated allowed, then http://127.0.0.1:9200)
  --replicas N     copies of each shard beside its primary, on the templates
                   and the indices there are; \`auto\`: auto_expand_replicas 0-1
                   (none on one node, one on more: the shipped default).
                   Default: keep what is installed. Later runs of setup and
                   run keep it too, until set again
  --kibana URL     also import the Kibana saved objects into this Kibana
  -h, --help       this help

Credentials come from the environment: ES_API_KEY (or ES_API_KEY_FILE), or
ES_USERNAME with ES_PASSWORD (or ES_PASSWORD_FILE); Kibana uses the same.
https:// nodes are verified against ES_CA_FILE (the cluster's CA in PEM) or
ES_CA_FINGERPRINT (its SHA-256); Elastic Cloud: ES_CLOUD_ID instead of --es.
`;

async function importKibana(url: string, log: (s: string) => void): Promise<void> {
  const files = readdirSync(KIBANA_DIR).filter((f) => f.endsWith('.ndjson'));
  for (const f of files) {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(join(KIBANA_DIR, f))]), f);
    const headers: Record<string, string> = { 'kbn-xsrf': 'sealtrail' };
    if (process.env.ES_API_KEY) headers.authorization = `ApiKey ${process.env.ES_API_KEY}`;
    else if (process.env.ES_USERNAME && process.env.ES_PASSWORD) {
      headers.authorization = `Basic ${Buffer.from(`${process.env.ES_USERNAME}:${process.env.ES_PASSWORD}`).toString('base64')}`;
    }
    let res: Response;
    try {
      res = await fetch(new URL('/api/saved_objects/_import?overwrite=true', url), { method: 'POST', body: form, headers });
    } catch (err) {
      throw new SealtrailError('E_KIBANA', `cannot reach Kibana at ${redactUrl(url)}: ${(err as Error).message}`, 'check --kibana');
    }
    const body = (await res.json().catch(() => ({}))) as { success?: boolean; successCount?: number; errors?: unknown[] };
    if (!res.ok || body.success === false) {
      throw new SealtrailError('E_KIBANA', `Kibana at ${redactUrl(url)} refused ${f}: HTTP ${res.status} ${cut(JSON.stringify(body.errors ?? body))}`);
    }
    log(`kibana ${f}: ${body.successCount ?? 0} saved objects imported`);
  }
}

export const setupCommand: Command = {
  async run(argv) {
    const { values } = parseCommandLine(argv, {
      es: { type: 'string', multiple: true },
      replicas: { type: 'string' },
      kibana: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const url = esUrl(values.es);
    const replicas = values.replicas === undefined ? undefined : values.replicas.trim() === 'auto' ? 'auto' : Number(values.replicas);
    if (typeof replicas === 'number' && (!/^\d+$/.test(values.replicas!.trim()) || replicas > 32)) {
      throw usageError(`--replicas "${values.replicas}" is not a number of replicas`, 'a whole number from 0 to 32, or auto (auto_expand_replicas 0-1)');
    }
    if (values.kibana !== undefined) checkHttpUrl(values.kibana, '--kibana');
    const client = createClient(url);
    try {
      const info = await checkServer(client, url);
      let steps;
      let dataNodes: number;
      let r: Replicas | undefined;
      try {
        const health = await client.cluster.health({ filter_path: 'cluster_name,status,number_of_nodes,number_of_data_nodes' });
        dataNodes = health.number_of_data_nodes;
        process.stdout.write(
          `elasticsearch ${info.version} at ${redactUrl(url)}: cluster ${health.cluster_name}, ${health.number_of_nodes} node${health.number_of_nodes === 1 ? '' : 's'} (${dataNodes} data), ${health.status}\n`,
        );
        steps = await installTemplates(client, replicas === undefined ? {} : { replicas });
        r = await installedReplicas(client);
      } catch (err) {
        throw describeTransportError(err, url);
      }
      for (const s of steps) process.stdout.write(`${s.result.padEnd(9)} ${s.what}\n`);
      if (r) {
        const n = replicaCount(r, dataNodes);
        const short = n > dataNodes - 1 ? `; ${n + 1} copies need ${n + 1} data nodes, this cluster has ${dataNodes}: the indices stay yellow until it has` : '';
        process.stdout.write(`replicas  ${describeReplicas(r)}: ${n} replica${n === 1 ? '' : 's'} of each shard on this cluster${short}\n`);
      }
      if (values.kibana) await importKibana(values.kibana, (s) => process.stdout.write(s + '\n'));
      return 0;
    } finally {
      await client.close();
    }
  },
};
