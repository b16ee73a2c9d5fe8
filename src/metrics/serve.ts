import { createServer, type Server } from 'node:http';
import { SealtrailError } from '../errors.js';

/** What /metrics serves: the exposition text (made per scrape) and its content type. */
export interface MetricsSource {
  text(): Promise<string>;
  contentType: string;
}

/** GET /metrics (and /) with the exposition; resolves with the server once it listens. */
export async function serveMetrics(source: MetricsSource, port: number, address: string, flag: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found; try /metrics\n');
      return;
    }
    try {
      const text = await source.text();
      res.writeHead(200, { 'content-type': source.contentType });
      res.end(text);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`metrics failed: ${(err as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new SealtrailError('E_CONFIG', `${flag} ${port}: cannot listen on ${address}:${port} (${err.code === 'EADDRINUSE' ? 'address in use' : err.message})`, 'choose another port')),
    );
    server.listen(port, address, () => resolve());
  });
  return server;
}

export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
