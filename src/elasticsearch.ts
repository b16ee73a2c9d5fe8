import { readFileSync } from 'node:fs';
import { Client, errors } from '@elastic/elasticsearch';
import { SealtrailError } from './errors.js';

/** Index names: the contract's, in one place. */
export const EVENTS_INDEX_BASE = 'sealtrail-events';
/** The alias over all monthly event indices: what queries search. */
export const EVENTS_ALIAS = 'sealtrail-events';
export const SECTORS_INDEX = 'sealtrail-sectors';

export const DEFAULT_ES_URL = 'http://127.0.0.1:9200';

export function esUrl(flag: string | undefined): string {
  return flag ?? process.env.ES_URL ?? DEFAULT_ES_URL;
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
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new SealtrailError('E_CONFIG', `cannot read ${name}_FILE ${file}: ${(err as Error).message}`);
    }
  };
  const apiKey = fromFile('ES_API_KEY');
  if (apiKey) return { apiKey };
  const password = fromFile('ES_PASSWORD');
  if (process.env.ES_USERNAME && password) return { username: process.env.ES_USERNAME, password };
  return undefined;
}

export function createClient(url: string, opts: { requestTimeoutMs?: number; maxRetries?: number } = {}): Client {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SealtrailError('E_USAGE', `--es "${url}" is not a URL`, 'e.g. http://127.0.0.1:9200');
  }
  const a = auth();
  return new Client({
    node: parsed.toString(),
    ...(a ? { auth: a } : {}),
    requestTimeout: opts.requestTimeoutMs ?? 60_000,
    maxRetries: opts.maxRetries ?? 3,
    compression: false,
  });
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
export async function checkServer(client: Client, url: string): Promise<ServerInfo> {
  let version: string | undefined;
  try {
    const res = await client.transport.request<{ nodes?: Record<string, { version?: string }> }>(
      { method: 'GET', path: '/_nodes/_local', querystring: { filter_path: 'nodes.*.version' } },
      { meta: false, maxRetries: 0, requestTimeout: 10_000 },
    );
    version = Object.values(res.nodes ?? {})[0]?.version;
  } catch (err) {
    throw describeTransportError(err, url);
  }
  if (!version) throw new SealtrailError('E_ES_NOT_ELASTICSEARCH', `${url} answered, but not as Elasticsearch does`, 'check --es / ES_URL');
  const major = Number(version.split('.')[0]);
  if (major !== 8 && major !== 9) {
    throw new SealtrailError('E_ES_VERSION', `${url} runs Elasticsearch ${version}; sealtrail needs 8.x or 9.x`);
  }
  return { version, major };
}

export function describeTransportError(err: unknown, url: string): SealtrailError {
  if (err instanceof SealtrailError) return err;
  if (err instanceof errors.ProductNotSupportedError) {
    return new SealtrailError('E_ES_NOT_ELASTICSEARCH', `${url} is not Elasticsearch (no X-Elastic-Product header)`, 'check --es / ES_URL');
  }
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) {
    return new SealtrailError('E_ES_UNREACHABLE', `cannot reach Elasticsearch at ${url}: ${err.message}`, 'is it running? check --es / ES_URL');
  }
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    if (status === 401 || status === 403) {
      return new SealtrailError('E_ES_REQUEST', `Elasticsearch at ${url} refused the credentials (HTTP ${status})`, 'set ES_API_KEY or ES_USERNAME/ES_PASSWORD');
    }
    const body = err.body as { error?: { type?: string; reason?: string } } | string | undefined;
    const isEs = typeof body === 'object' && body !== null && typeof body.error === 'object';
    if (!isEs) return new SealtrailError('E_ES_NOT_ELASTICSEARCH', `${url} answered HTTP ${status}, not as Elasticsearch does`, 'check --es / ES_URL');
    return new SealtrailError('E_ES_REQUEST', `Elasticsearch at ${url}: ${body.error?.type ?? 'error'}: ${body.error?.reason ?? err.message}`);
  }
  return new SealtrailError('E_ES_UNREACHABLE', `cannot talk to ${url}: ${(err as Error)?.message ?? String(err)}`);
}
