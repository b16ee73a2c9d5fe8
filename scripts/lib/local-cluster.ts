/**
 * A throw-away Elasticsearch cluster of several nodes on 127.0.0.1, for the
 * failover test: each node is a LocalElasticsearch (scripts/lib/local-elasticsearch.ts)
 * that finds the others through discovery.seed_hosts on loopback; all are
 * master-eligible data nodes, so any one may be killed and the other two keep
 * a quorum. Small heaps: three nodes fit beside the rest of a test run.
 */
import { randomBytes } from 'node:crypto';
import { freePort, portIsFree, startLocalElasticsearch, type LocalElasticsearch, type LocalElasticsearchOptions } from './local-elasticsearch.js';

export interface LocalCluster {
  readonly name: string;
  readonly nodes: LocalElasticsearch[];
  /** Every node's URL. */
  readonly urls: string[];
  /** The node that holds the primary of `index`'s shard 0 (undefined if unassigned). */
  primaryOf(index: string): Promise<LocalElasticsearch | undefined>;
  /** Waits until the cluster health is `status` (or better) with all nodes in it. */
  waitForHealth(status: 'green' | 'yellow', timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  size?: number;
  version?: string;
  heapMb?: number;
  /** HTTP ports base..base+size-1 and transport ports base+10…, when all are free; else free ports. */
  basePort?: number;
  log?: (line: string) => void;
  readyTimeoutMs?: number;
  settings?: LocalElasticsearchOptions['settings'];
}

async function ports(size: number, base: number | undefined): Promise<{ http: number[]; transport: number[] }> {
  if (base !== undefined) {
    const http = Array.from({ length: size }, (_, i) => base + i);
    const transport = http.map((p) => p + 10);
    const free = await Promise.all([...http, ...transport].map((p) => portIsFree(p)));
    if (free.every(Boolean)) return { http, transport };
  }
  const all = new Set<number>();
  while (all.size < size * 2) all.add(await freePort());
  const list = [...all];
  return { http: list.slice(0, size), transport: list.slice(size) };
}

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const size = opts.size ?? 3;
  const { http, transport } = await ports(size, opts.basePort);
  const name = `sealtrail-cluster-${randomBytes(3).toString('hex')}`;
  const cluster = { name, seedHosts: transport.map((p) => `127.0.0.1:${p}`), initialMasterNodes: http.map((p) => `sealtrail-${p}`) };
  const started = await Promise.allSettled(
    http.map((port, i) =>
      startLocalElasticsearch({
        port,
        transportPort: transport[i]!,
        heapMb: opts.heapMb ?? 256,
        ...(opts.version ? { version: opts.version } : {}),
        cluster,
        readyTimeoutMs: opts.readyTimeoutMs ?? 180_000,
        log: (l) => opts.log?.(`[node ${i + 1}] ${l}`),
        ...(opts.settings ? { settings: opts.settings } : {}),
      }),
    ),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
    throw failed.reason;
  }
  const urls = nodes.map((n) => n.url);
  const anyUrl = async (): Promise<string> => {
    for (const n of nodes) if (n.running) return n.url;
    throw new Error('no node of the cluster is running');
  };
  const waitForHealth = async (status: 'green' | 'yellow', timeoutMs = 120_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const running = nodes.filter((n) => n.running).length;
        const res = await fetch(`${await anyUrl()}/_cluster/health?wait_for_status=${status}&wait_for_nodes=${running}&timeout=2s`, { signal: AbortSignal.timeout(10_000) });
        const h = (await res.json()) as { status?: string; number_of_nodes?: number; timed_out?: boolean };
        if (res.ok && !h.timed_out) return;
        last = `${h.status}, ${h.number_of_nodes} nodes`;
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`cluster ${name} not ${status} after ${timeoutMs / 1000} s (${last})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  return {
    name,
    nodes,
    urls,
    async primaryOf(index) {
      const res = await fetch(`${await anyUrl()}/_cat/shards/${encodeURIComponent(index)}?format=json&h=shard,prirep,state,node`);
      const rows = (await res.json()) as { shard: string; prirep: string; state: string; node: string | null }[];
      const p = rows.find((r) => r.shard === '0' && r.prirep === 'p' && r.state === 'STARTED');
      return p ? nodes.find((n) => n.nodeName === p.node) : undefined;
    },
    waitForHealth,
    async stop() {
      // Throw-away nodes: no clean shutdown to wait for (SIGTERM takes a loaded machine 20 s a node).
      await Promise.all(nodes.map(async (n) => {
        await n.kill().catch(() => {});
        await n.stop().catch(() => {});
      }));
    },
  };
}
