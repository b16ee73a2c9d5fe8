/**
 * TLS in front of the test Elasticsearch: a CA and a node certificate made
 * with `openssl` in a temporary directory, and a small HTTPS proxy on
 * 127.0.0.1 that forwards every request to the plain-HTTP node (as a TLS
 * terminating load balancer, or Elasticsearch's own `xpack.security.http.ssl`,
 * would present it). The proxy sends the node certificate with its CA, as
 * Elasticsearch does, so a client can check the chain's root fingerprint.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';

export interface TestCa {
  /** PEM file of the CA certificate (what ES_CA_FILE names). */
  caFile: string;
  /** The CA's SHA-256 as Elasticsearch prints it: 64 lower-case hex digits. */
  fingerprint: string;
  /** The same with colons, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprintColons: string;
  keyFile: string;
}

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A self-signed CA in `dir` under `name`. */
export function makeCa(dir: string, name: string): TestCa {
  const caFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '2', '-subj', `/CN=sealtrail test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const line = openssl(['x509', '-noout', '-fingerprint', '-sha256', '-in', caFile], dir).trim();
  const fingerprintColons = line.slice(line.indexOf('=') + 1);
  return { caFile, keyFile, fingerprintColons, fingerprint: fingerprintColons.replace(/:/g, '').toLowerCase() };
}

/** A certificate for 127.0.0.1 signed by `ca`: { key, cert } PEM. */
export function makeNodeCert(dir: string, ca: TestCa, name = 'node'): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const crt = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.caFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', crt, '-days', '2', '-extfile', ext], dir);
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(crt, 'utf8') + readFileSync(ca.caFile, 'utf8') };
}

/** An HTTPS proxy on 127.0.0.1 to the plain-HTTP Elasticsearch at `target`. Resolves to its https:// URL. */
export async function startTlsProxy(target: string, cert: { key: string; cert: string }): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const to = new URL(target);
  const server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const up = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  // A client that gives up mid-handshake (a refused certificate) is no error of the proxy.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
