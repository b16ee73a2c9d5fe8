import { readFileSync } from 'node:fs';
import { Client, errors } from '@elastic/elasticsearch';
import { CREDENTIALS_HINT, SealtrailError, cut, noteSecret, redactSecrets } from './errors.js';
import { type EsSettings, cloudUrl, connectionOptions, isTlsError, nodeOf, tlsError } from './es-connection.js';

export { EVENTS_ALIAS, EVENTS_INDEX_BASE, SECTORS_INDEX } from './index-names.js';

export const DEFAULT_ES_URL = 'http://127.0.0.1:9200';

/** A URL as it may be printed: no user-info, also where it is not a URL at all (`user:pw@host:9200`). */
export function redactUrl(text: string): string {
  return redactSecrets(text.replace(/^((?:[a-z][a-z0-9+.-]*:)?\/\/)?[^/?#\s]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`));
}

/**
 * The Elasticsearch nodes, as one comma-separated string: `--es` (repeatable,
 * each may list several), else the config file's `elasticsearch.hosts` or
 * `.url`, else $ES_URL (comma-separated allowed), else the URL that
 * $ES_CLOUD_ID names, else the default. Refused as a mistake (exit 2) when
 * one is not an http(s) URL, or carries credentials: those would show in
 * `ps`, shell history and every line that names the URL.
 */
export function esUrl(flag: string | string[] | undefined, config?: { file: string; url: string | undefined }): string {
  let text: string;
  let where: string;
  let code: 'E_USAGE' | 'E_CONFIG' = 'E_USAGE';
  const flags = typeof flag === 'string' ? [flag] : flag;
  if (flags !== undefined && flags.length > 0) [text, where] = [flags.join(','), '--es'];
  else if (config?.url !== undefined) [text, where, code] = [config.url, `${config.file}: elasticsearch.url`, 'E_CONFIG'];
  else if (process.env.ES_URL) [text, where] = [process.env.ES_URL, 'ES_URL'];
  else if (process.env.ES_CLOUD_ID) return cloudUrl(process.env.ES_CLOUD_ID);
  else return DEFAULT_ES_URL;
  const nodes = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (nodes.length === 0) throw new SealtrailError(code, `${where} names no node`, 'e.g. http://127.0.0.1:9200');
  return nodes.map((n) => checkHttpUrl(n, where, code)).join(',');
}

/** The node URLs of what esUrl() returned. */
export function esNodes(url: string): string[] {
  return url.split(',').map((t) => t.trim()).filter((t) => t !== '');
}

/** `text` as an http(s) URL without user-info, or a one-line mistake naming `where` it came from. */
export function checkHttpUrl(text: string, where: string, code: 'E_USAGE' | 'E_CONFIG' = 'E_USAGE'): string {
  const shown = redactUrl(text.trim());
  if (/^(?:[a-z][a-z0-9+.-]*:\/\/)?[^/?#\s]*@/i.test(text.trim())) {
    throw new SealtrailError(code, `${where} ${shown} has credentials in it; sealtrail takes them only from the environment`, CREDENTIALS_HINT);
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(text.trim());
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
    const hint = text.includes('://') ? 'only http:// and https:// URLs, e.g. http://127.0.0.1:9200' : `with its scheme: http://${shown}`;
    throw new SealtrailError(code, `${where} "${shown}" is not an http:// or https:// URL`, hint);
  }
  return text.trim();
}

/**
 * Credentials come from the environment or a file, never from the command
 * line (where `ps` shows them) and are never printed:
 * ES_API_KEY / ES_API_KEY_FILE, or ES_USERNAME + ES_PASSWORD / ES_PASSWORD_FILE.
 */
function auth(): { apiKey: string } | { username: string; password: string } | undefined {
  const fromFile = (name: string): string | undefined => {
    const file = process.env[`${name}_FILE`];
    if (!file) return process.env[name];
    let value: string;
    try {
      value = readFileSync(file, 'utf8').trim();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SealtrailError('E_CONFIG', `cannot read ${name}_FILE ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message}`, `fix ${name}_FILE`);
    }
    noteSecret(value);
    return value;
  };
  const apiKey = fromFile('ES_API_KEY');
  if (apiKey) return { apiKey };
  const password = fromFile('ES_PASSWORD');
  if (process.env.ES_USERNAME && password) {
    // What the Authorization header carries, should a server or proxy quote it back.
    noteSecret(Buffer.from(`${process.env.ES_USERNAME}:${password}`).toString('base64'));
    return { username: process.env.ES_USERNAME, password };
  }
  return undefined;
}

export interface ClientSettings {
  requestTimeoutMs?: number;
  maxRetries?: number;
  /** CA, fingerprint, sniffing, the insecure switch: the config file's; the environment fills in the rest. */
  settings?: EsSettings | undefined;
}

/**
 * A client for the nodes in `url` (comma-separated): the client's connection
 * pool spreads requests over them and takes a node that fails out (and back
 * in once it answers); a request that fails on one node is tried on another.
 */
export function createClient(url: string, opts: ClientSettings = {}): Client {
  const nodes: string[] = [];
  for (const n of esNodes(url)) {
    let parsed: URL;
    try {
      parsed = new URL(n);
    } catch {
      throw new SealtrailError('E_USAGE', `--es "${redactUrl(n)}" is not a URL`, 'e.g. http://127.0.0.1:9200');
    }
    if (parsed.username || parsed.password) {
      // Refused by esUrl(); should one get here anyway, what the client sends from it is a secret too.
      const [user, password] = [decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)];
      for (const s of [password, parsed.password, Buffer.from(`${user}:${password}`).toString('base64')]) noteSecret(s);
    }
    nodes.push(parsed.toString());
  }
  const a = auth();
  try {
    return new Client({
      ...connectionOptions(nodes, opts.settings),
      ...(a ? { auth: a } : {}),
      requestTimeout: opts.requestTimeoutMs ?? 60_000,
      maxRetries: opts.maxRetries ?? 3,
      compression: false,
    });
  } catch (err) {
    // The client's ConfigurationError (a URL it cannot use): the operator's mistake, not a bug.
    if (err instanceof errors.ConfigurationError) throw new SealtrailError('E_USAGE', `cannot use Elasticsearch at ${redactUrl(url)}: ${err.message}`, 'check --es / ES_URL');
    throw err;
  }
}

/**
 * Makes what was written searchable now (`run --once` returns only after
 * this, so a query right after it sees every event). Indices that are gone
 * are skipped.
 */
export async function refreshIndices(client: Client, names: Iterable<string>): Promise<void> {
  const index = [...new Set(names)];
  if (index.length === 0) return;
  await client.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
}

export interface ServerInfo {
  version: string;
  major: number;
}

/**
 * Is this Elasticsearch 8.x or 9.x? Asks `_nodes/_local` (the slim test
 * distribution has no `GET /`) and checks the product header the client
 * verifies. Errors are one line naming the URL.
 */
export async function checkServer(client: Client, rawUrl: string): Promise<ServerInfo> {
  const url = redactUrl(rawUrl);
  let version: string | undefined;
  try {
    const res = await client.transport.request<{ nodes?: Record<string, { version?: string }> }>(
      { method: 'GET', path: '/_nodes/_local', querystring: { filter_path: 'nodes.*.version' } },
      // In a cluster, a node that is down is not the answer: the next one is asked.
      { meta: false, maxRetries: Math.max(0, client.connectionPool.size - 1), requestTimeout: 10_000 },
    );
    version = Object.values(res.nodes ?? {})[0]?.version;
  } catch (err) {
    throw describeTransportError(err, rawUrl);
  }
  if (!version) throw new SealtrailError('E_ES_NOT_ELASTICSEARCH', `${url} answered, but not as Elasticsearch does`, 'check --es / ES_URL');
  const major = Number(version.split('.')[0]);
  if (major !== 8 && major !== 9) {
    throw new SealtrailError('E_ES_VERSION', `${url} runs Elasticsearch ${version}; sealtrail needs 8.x or 9.x`);
  }
  return { version, major };
}

export function describeTransportError(err: unknown, rawUrl: string): SealtrailError {
  if (err instanceof SealtrailError) return err;
  // The node the client tried, where it says so: in a cluster, which one failed.
  const url = redactUrl((rawUrl.includes(',') ? nodeOf(err) : undefined) ?? rawUrl);
  if (isTlsError(err)) return tlsError(err, url);
  if (err instanceof errors.ProductNotSupportedError) {
    return new SealtrailError('E_ES_NOT_ELASTICSEARCH', `${url} is not Elasticsearch (no X-Elastic-Product header)`, 'check --es / ES_URL');
  }
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) {
    return new SealtrailError('E_ES_UNREACHABLE', `cannot reach Elasticsearch at ${url}: ${err.message}`, 'is it running? check --es / ES_URL');
  }
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    if (status === 401 || status === 403) {
      return new SealtrailError('E_ES_REQUEST', `Elasticsearch at ${url} refused the credentials (HTTP ${status})`, 'set ES_API_KEY (or ES_API_KEY_FILE), or ES_USERNAME with ES_PASSWORD (or ES_PASSWORD_FILE), to credentials it accepts');
    }
    const body = err.body as { error?: EsErrorBody } | string | undefined;
    const isEs = typeof body === 'object' && body !== null && typeof body.error === 'object';
    if (!isEs) return new SealtrailError('E_ES_NOT_ELASTICSEARCH', `${url} answered HTTP ${status}, not as Elasticsearch does`, 'check --es / ES_URL');
    return new SealtrailError('E_ES_REQUEST', `Elasticsearch at ${url}: ${body.error?.type ?? 'error'}: ${cut(errorReason(body.error) ?? err.message)}`);
  }
  return new SealtrailError('E_ES_UNREACHABLE', `cannot talk to ${url}: ${cut((err as Error)?.message ?? String(err))}`);
}

interface EsErrorBody {
  type?: string;
  reason?: string;
  root_cause?: { type?: string; reason?: string }[];
  failed_shards?: { index?: string; reason?: { type?: string; reason?: string } }[];
}

/** A search that failed on every shard says only "all shards failed" (or nothing): the shard's own reason is what helps. */
function errorReason(e: EsErrorBody | undefined): string | undefined {
  const shard = e?.failed_shards?.[0];
  const cause = shard?.reason ?? e?.root_cause?.[0];
  const own = e?.reason ? e.reason : undefined;
  if (!cause?.reason) return own;
  const where = shard?.index ? ` (index ${shard.index})` : '';
  return `${own ? `${own}: ` : ''}${cause.type ?? 'error'}: ${cause.reason}${where}`;
}
