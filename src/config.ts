import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { usageError } from './errors.js';
import { minerNumber } from './values.js';
import { zoneProblem } from './records/zone.js';
import { checkHttpUrl } from './elasticsearch.js';
import type { EsSettings } from './es-connection.js';
import type { CurioDbConfig } from './sources/curio-db.js';
import { curioDbConfig } from './config-curio-db.js';
import { checkKeys, fail } from './config-keys.js';

export { checkKeys, fail };

/**
 * What `run` ships: from a YAML/JSON file (`--config`, see
 * examples/sealtrail.yaml) or from flags. Flags given beside a file apply to
 * every input that does not set its own.
 */
export interface InputConfig {
  paths: string[];
  format: string | undefined;
  timezone: string | undefined;
  host: string | undefined;
  miner: number | undefined;
}

export interface RunConfig {
  /** The nodes, comma-separated: `elasticsearch.url` or `elasticsearch.hosts`. */
  es: string | undefined;
  /** CA, fingerprint, sniffing, the insecure switch. */
  elasticsearch?: EsSettings;
  registry: string | undefined;
  deadLetter: string | undefined;
  usePolling: boolean;
  /** Seconds between status lines on stderr (0: none); undefined: the default. */
  statusInterval: number | undefined;
  /** Serve Prometheus metrics on 127.0.0.1 at this port. */
  metricsPort: number | undefined;
  inputs: InputConfig[];
  /** Curio's database (`curio_db:`, issue 11). */
  curioDb?: CurioDbConfig | undefined;
}

const TOP_KEYS = ['elasticsearch', 'registry', 'dead_letter', 'use_polling', 'status_interval', 'metrics_port', 'inputs', 'curio_db'];
const ES_KEYS = ['url', 'hosts', 'ca_file', 'ca_fingerprint', 'sniff', 'insecure_skip_tls_verify'];
const INPUT_KEYS = ['paths', 'format', 'timezone', 'host', 'role', 'miner'];

export interface ConfigChecks {
  /** The --format names the pipelines know (names and datasets). */
  formats?: string[];
  /** Those to suggest (the pipelines' names). */
  formatNames?: string[];
  /** Where a warning about the file goes (one line each); default: standard error. */
  warn?: (line: string) => void;
}

function str(file: string, where: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') fail(file, `${where} must be a non-empty string`);
  return v;
}

export function loadConfigFile(file: string, checks: ConfigChecks = {}): RunConfig {
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw usageError(`config file ${file} not found`);
    fail(file, `cannot read: ${(e.message ?? String(err)).split('\n')[0]!.replace(/:\s*$/, '')}`);
  }
  if (raw === null || raw === undefined) fail(file, 'is empty', 'give at least inputs; see examples/sealtrail.yaml');
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(file, 'must be a mapping of settings');
  const c = raw as Record<string, unknown>;
  checkKeys(file, '', c, TOP_KEYS);
  const es = c.elasticsearch as Record<string, unknown> | undefined;
  if (es !== undefined && (typeof es !== 'object' || es === null || Array.isArray(es))) fail(file, 'elasticsearch must be a mapping with url');
  if (es) checkKeys(file, 'elasticsearch', es, ES_KEYS);
  const curioDb = c.curio_db === undefined ? undefined : curioDbConfig(file, c.curio_db);
  if (curioDb && c.inputs === undefined) c.inputs = [];
  else if (!Array.isArray(c.inputs) || c.inputs.length === 0) fail(file, 'inputs must list at least one input');
  const inputs = (c.inputs as unknown[]).map((raw, i): InputConfig => {
    const where = `inputs[${i}]`;
    if (!raw || typeof raw !== 'object') fail(file, `${where} must be a mapping`);
    const r = raw as Record<string, unknown>;
    checkKeys(file, where, r, INPUT_KEYS);
    const paths = typeof r.paths === 'string' ? [r.paths] : r.paths;
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string')) fail(file, `${where}.paths must list globs`);
    if (r.role !== undefined) {
      const warn = checks.warn ?? ((line: string) => process.stderr.write(`sealtrail: ${line}\n`));
      warn(`${file}: ${where}.role is ignored (it never changed how lines are read); remove it`);
    }
    let miner: number | undefined;
    if (r.miner !== undefined) {
      miner = minerNumber(r.miner);
      if (miner === undefined) fail(file, `${where}.miner must be a miner id such as f01234`);
    }
    const format = str(file, `${where}.format`, r.format);
    if (format !== undefined && format !== 'auto' && checks.formats && !checks.formats.includes(format)) {
      fail(file, `${where}.format: unknown format "${format}"`, `known: auto, ${(checks.formatNames ?? checks.formats).join(', ')}`);
    }
    const timezone = str(file, `${where}.timezone`, r.timezone);
    const zone = timezone === undefined ? undefined : zoneProblem(timezone);
    if (zone) fail(file, `${where}.timezone: ${zone.message}`, zone.hint);
    return {
      paths: paths as string[],
      format: format === 'auto' ? undefined : format,
      timezone,
      host: str(file, `${where}.host`, r.host),
      miner,
    };
  });
  if (c.use_polling !== undefined && typeof c.use_polling !== 'boolean') fail(file, 'use_polling must be true or false');
  const statusInterval = c.status_interval;
  if (statusInterval !== undefined && (typeof statusInterval !== 'number' || !Number.isFinite(statusInterval) || statusInterval < 0 || statusInterval > 86_400)) {
    fail(file, 'status_interval must be a number of seconds, at most 86400 (0 for none)');
  }
  const metricsPort = c.metrics_port;
  if (metricsPort !== undefined && (typeof metricsPort !== 'number' || !Number.isSafeInteger(metricsPort) || metricsPort <= 0 || metricsPort > 65535)) {
    fail(file, 'metrics_port must be a port number');
  }
  return {
    es: esNodes(file, es),
    elasticsearch: esSettings(file, es),
    registry: str(file, 'registry', c.registry),
    deadLetter: str(file, 'dead_letter', c.dead_letter),
    usePolling: c.use_polling === true,
    statusInterval: statusInterval as number | undefined,
    metricsPort: metricsPort as number | undefined,
    inputs,
    curioDb,
  };
}

/** `elasticsearch.url` (one node) or `elasticsearch.hosts` (a list), checked: comma-separated. */
function esNodes(file: string, es: Record<string, unknown> | undefined): string | undefined {
  const url = str(file, 'elasticsearch.url', es?.url);
  if (es?.hosts === undefined || es.hosts === null) return url;
  if (url !== undefined) fail(file, 'elasticsearch: give hosts or url, not both', 'hosts: [https://es1:9200, https://es2:9200]');
  const hosts = typeof es.hosts === 'string' ? [es.hosts] : es.hosts;
  if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every((h) => typeof h === 'string' && h !== '')) {
    fail(file, 'elasticsearch.hosts must list node URLs', 'hosts: [https://es1:9200, https://es2:9200]');
  }
  return (hosts as string[]).map((h, i) => checkHttpUrl(h, `${file}: elasticsearch.hosts[${i}]`, 'E_CONFIG')).join(',');
}

function esSettings(file: string, es: Record<string, unknown> | undefined): EsSettings {
  for (const k of ['sniff', 'insecure_skip_tls_verify']) {
    if (es?.[k] !== undefined && typeof es[k] !== 'boolean') fail(file, `elasticsearch.${k} must be true or false`);
  }
  return {
    file,
    caFile: str(file, 'elasticsearch.ca_file', es?.ca_file),
    caFingerprint: str(file, 'elasticsearch.ca_fingerprint', es?.ca_fingerprint),
    sniff: es?.sniff as boolean | undefined,
    insecure: es?.insecure_skip_tls_verify as boolean | undefined,
  };
}
