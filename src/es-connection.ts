import { readFileSync } from 'node:fs';
import type { ClientOptions } from '@elastic/elasticsearch';
import { SealtrailError } from './errors.js';

/**
 * How sealtrail reaches a real cluster: several nodes, TLS verified against
 * the cluster's CA (a file or its SHA-256 fingerprint), Elastic Cloud. All of
 * it is the client's own machinery (its connection pool, sniffing, `tls.ca`,
 * `caFingerprint`, `cloud.id`); this file only turns the operator's settings
 * into its options, and its TLS failures into one line that says what to set.
 */

/** The `elasticsearch:` settings of a config file that are not the nodes. */
export interface EsSettings {
  caFile?: string | undefined;
  caFingerprint?: string | undefined;
  sniff?: boolean | undefined;
  /** Skip certificate verification: explicit, and said loudly on every start. */
  insecure?: boolean | undefined;
  /** The config file they come from, for messages. */
  file?: string | undefined;
}

export const TLS_HINT =
  "set ES_CA_FILE (or elasticsearch.ca_file) to the cluster's CA certificate (config/certs/http_ca.crt on a node), " +
  'or ES_CA_FINGERPRINT (or elasticsearch.ca_fingerprint) to its SHA-256 fingerprint as Elasticsearch printed it at first start';

/** Elastic Cloud's id `name:base64(domain$es-uuid$kibana-uuid)` → the cluster's URL, as the client derives it. */
export function cloudUrl(id: string): string {
  const [name, encoded, ...rest] = id.trim().split(':');
  const parts = encoded && rest.length === 0 && name !== undefined ? Buffer.from(encoded, 'base64').toString('utf8').split('$') : [];
  const [domain, es] = parts;
  if (!domain || !es || !/^[\w.-]+(:\d+)?$/.test(domain) || !/^[\w-]+$/.test(es)) {
    throw new SealtrailError('E_USAGE', 'ES_CLOUD_ID is not an Elastic Cloud id', 'copy it from the deployment page: NAME:BASE64');
  }
  return `https://${es}.${domain}`;
}

function envFlag(name: string): boolean {
  const v = process.env[name];
  if (v === undefined || v === '' || /^(0|false|no)$/i.test(v)) return false;
  if (/^(1|true|yes)$/i.test(v)) return true;
  throw new SealtrailError('E_USAGE', `${name}="${v}" is neither true nor false`);
}

const FINGERPRINT = /^(?:[0-9a-f]{2}:){31}[0-9a-f]{2}$|^[0-9a-f]{64}$/i;
let warned = false;

/**
 * The client options for TLS, sniffing and Elastic Cloud. The config file's
 * settings come first, then ES_CA_FILE, ES_CA_FINGERPRINT,
 * ES_INSECURE_SKIP_TLS_VERIFY and ES_CLOUD_ID.
 */
export function connectionOptions(nodes: string[], s: EsSettings = {}): Partial<ClientOptions> {
  const where = (key: string, env: string) => (s.file ? `${s.file}: elasticsearch.${key}` : env);
  const [caFile, caFileFrom] = s.caFile !== undefined ? [s.caFile, where('ca_file', '')] : [process.env.ES_CA_FILE || undefined, 'ES_CA_FILE'];
  const [fp, fpFrom] = s.caFingerprint !== undefined ? [s.caFingerprint, where('ca_fingerprint', '')] : [process.env.ES_CA_FINGERPRINT || undefined, 'ES_CA_FINGERPRINT'];
  const insecure = s.insecure ?? envFlag('ES_INSECURE_SKIP_TLS_VERIFY');
  const code = s.file ? 'E_CONFIG' : 'E_USAGE';
  const opts: Partial<ClientOptions> = {};
  const tls: NonNullable<ClientOptions['tls']> = {};
  if (caFile !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(caFile, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SealtrailError(code, `cannot read ${caFileFrom} ${caFile}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message}`, 'give the CA certificate in PEM (http_ca.crt)');
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new SealtrailError(code, `${caFileFrom} ${caFile} holds no PEM certificate`, 'give the CA certificate in PEM (http_ca.crt), not the .p12 keystore');
    }
    tls.ca = pem;
  }
  if (fp !== undefined) {
    const clean = fp.trim();
    if (!FINGERPRINT.test(clean)) {
      throw new SealtrailError(code, `${fpFrom} is not a SHA-256 fingerprint`, '64 hex digits, with or without colons, as Elasticsearch prints it ("HTTP CA certificate SHA-256 fingerprint")');
    }
    opts.caFingerprint = clean;
    // The fingerprint pins the CA instead of a trust store: the chain is
    // checked against it (the client compares the chain's root) and no
    // other CA is trusted, so the usual verification would only refuse the
    // self-signed root. With a CA file as well, both are checked.
    if (tls.ca === undefined) tls.rejectUnauthorized = false;
  }
  if (insecure) {
    tls.rejectUnauthorized = false;
    if (!warned && nodes.some((n) => n.startsWith('https:'))) {
      warned = true;
      process.stderr.write('sealtrail: WARNING: TLS certificates of Elasticsearch are NOT verified (insecure_skip_tls_verify / ES_INSECURE_SKIP_TLS_VERIFY): anyone between here and the cluster can read and change what is sent, credentials included\n');
    }
  }
  if (Object.keys(tls).length > 0) opts.tls = tls;
  if (s.sniff) {
    // Sniffing replaces the given nodes with the addresses the nodes publish:
    // right for a flat network, wrong behind a load balancer or a proxy.
    opts.sniffOnStart = true;
    opts.sniffInterval = 5 * 60_000;
    opts.sniffOnConnectionFault = true;
  }
  const cloud = process.env.ES_CLOUD_ID;
  // The URL esUrl() took from ES_CLOUD_ID: the client reaches it as Elastic Cloud (its own pool for it).
  if (cloud && nodes.length === 1 && nodes[0] === new URL(cloudUrl(cloud)).toString()) opts.cloud = { id: cloud.trim() };
  else opts.nodes = nodes;
  return opts;
}

/** The node a transport error came from, as the client knows it (without user-info). */
export function nodeOf(err: unknown): string | undefined {
  const url = (err as { meta?: { meta?: { connection?: { url?: URL | string } | null } } } | undefined)?.meta?.meta?.connection?.url;
  if (url === undefined || url === null) return undefined;
  try {
    const u = new URL(String(url));
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return undefined;
  }
}

const TLS_FAILURE = /certificate|self[- ]signed|CA fingerprint|unable to (?:get|verify)|altnames|\bSSL\b|\bTLS\b|wrong version number|ERR_TLS|CERT_/i;

/** A failure of the TLS handshake: retrying will not mend it. */
export function isTlsError(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | undefined;
  return (e?.name === 'ConnectionError' || e?.name === 'NoLivingConnectionsError') && TLS_FAILURE.test(e.message ?? '');
}

/** One line naming the node and what to set. */
export function tlsError(err: unknown, node: string): SealtrailError {
  const message = ((err as Error).message ?? '').split('\n')[0]!;
  if (/CA fingerprint does not match/i.test(message)) {
    return new SealtrailError('E_ES_TLS', `the TLS certificate of Elasticsearch at ${node} is not signed by the CA that ES_CA_FINGERPRINT (or elasticsearch.ca_fingerprint) names`, 'set it to the SHA-256 of the cluster\'s CA: openssl x509 -noout -fingerprint -sha256 -in http_ca.crt');
  }
  if (/wrong version number|ERR_SSL|packet length/i.test(message)) {
    return new SealtrailError('E_ES_TLS', `Elasticsearch at ${node} does not speak TLS (${message})`, 'use http:// for this node, or turn on xpack.security.http.ssl');
  }
  return new SealtrailError('E_ES_TLS', `cannot verify the TLS certificate of Elasticsearch at ${node}: ${message}`, TLS_HINT);
}
