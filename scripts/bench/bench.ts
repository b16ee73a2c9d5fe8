/**
 * `npm run bench`: prints figures, asserts nothing.
 *   1. generates the corpus (bench-data/corpus, 1 GiB by default; skipped when up to date);
 *   2. parse throughput against plain line splitting (measure-parse.js --all);
 *   3. end to end: a slice of the corpus through `sealtrail run --once` into a local
 *      Elasticsearch, against the ceiling: the same documents, pre-serialised, sent by a
 *      plain concurrent _bulk loop. Prints docs/s for both, their ratio, and sealtrail's
 *      CPU seconds per GiB of log.
 *   4. with --peers: the peer shippers installed here (syslog-ng, rsyslog, Fluent Bit) on the
 *      same corpus into the same Elasticsearch, printed beside sealtrail (peers.ts).
 * Flags (`--help` lists them): --size SIZE (corpus), --e2e-size SIZE (default 256MiB), --no-parse, --no-es, --es URL,
 *   --peers, --peer NAME (only that peer; repeatable), --no-ceiling (skip the plain _bulk loops).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, openSync, readdirSync, renameSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startLocalElasticsearch } from '../lib/local-elasticsearch.js';
import { measurePeers, peerTable } from './peers.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(REPO, 'build/src/cli/main.js');
const MEASURE = join(REPO, 'build/scripts/bench/measure-parse.js');
const GEN = join(REPO, 'build/scripts/bench/generate-corpus.js');

function flagsOf() {
  try {
    return parseArgs({
      options: {
        size: { type: 'string', default: '1GiB' },
        'e2e-size': { type: 'string', default: '256MiB' },
        'no-parse': { type: 'boolean' },
        'no-es': { type: 'boolean' },
        es: { type: 'string' },
        peers: { type: 'boolean' },
        peer: { type: 'string', multiple: true },
        'no-ceiling': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message} (see npm run bench -- --help)\n`);
    process.exit(2);
  }
}
const flags = flagsOf();
if (flags.help) {
  process.stdout.write(`usage: npm run bench -- [--size 1GiB] [--e2e-size 256MiB] [--no-parse] [--no-es] [--es URL]
                        [--peers] [--peer NAME ...] [--no-ceiling]

Prints figures, asserts nothing:
  1. generates the corpus in bench-data/corpus (--size, default 1GiB; kept when up to date)
  2. parse throughput against plain line splitting (measure-parse --all)        --no-parse skips it
  3. end to end: the first --e2e-size of the corpus through \`sealtrail run --once\` into
     Elasticsearch (--es URL, else $ES_URL, else a local node started for the run),
     against plain concurrent _bulk loops of the same documents                  --no-es skips it
     (--no-ceiling skips the plain loops): docs/s, their ratio, CPU-s per GiB, peak RSS
  4. --peers: syslog-ng, rsyslog and Fluent Bit, whichever is installed, on the same slice into
     the same Elasticsearch (--peer NAME: only that one); README "Peers" says how to install them
Every measurement prints the 1-minute load average at its start and end.
`);
  process.exit(0);
}
const size = flags.size!;
const e2eSize = flags['e2e-size']!;

function run(cmd: string, argv: string[]): void {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: REPO });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}`);
}

interface Usage {
  wall: number;
  cpu: number;
  maxRssMiB: number;
  code: number;
}

/** Runs the CLI in measure-parse's child mode, which reports process.resourceUsage() on fd 3. */
function measureCli(cliArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<Usage> {
  return new Promise((resolveRun, reject) => {
    const t0 = process.hrtime.bigint();
    const devnull = openSync('/dev/null', 'w');
    const child = spawn(process.execPath, [MEASURE, '--child', 'parse', '--cli', CLI, '--', ...cliArgs], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', devnull, 'inherit', 'pipe'],
    });
    let report = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => (report += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      closeSync(devnull);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      try {
        const r = JSON.parse(report.trim().split('\n').pop()!) as { usage?: NodeJS.ResourceUsage } & Partial<NodeJS.ResourceUsage> & { code?: number };
        const u = (r.usage ?? r) as NodeJS.ResourceUsage;
        resolveRun({ wall, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssMiB: u.maxRSS / 1024, code: code ?? -1 });
      } catch {
        reject(new Error(`no usage report from child (exit ${code}): ${report}`));
      }
    });
  });
}

async function esDelete(url: string): Promise<void> {
  await fetch(`${url}/sealtrail-*?expand_wildcards=all`, { method: 'DELETE' });
}

async function esCount(url: string): Promise<number> {
  await fetch(`${url}/sealtrail-*/_refresh`, { method: 'POST' });
  const r = (await (await fetch(`${url}/sealtrail-events/_count`)).json()) as { count: number };
  return r.count;
}

/** The ceiling: pre-serialised documents in a plain _bulk loop (fetch, keep-alive), best of a few settings. */
async function plainBulk(url: string, docsFile: string, batchDocs: number, concurrency: number): Promise<{ docs: number; wall: number }> {
  const bodies: string[] = [];
  let body = '';
  let n = 0;
  let docs = 0;
  const rl = createInterface({ input: createReadStream(docsFile), crlfDelay: Infinity });
  for await (const line of rl) {
    // Index and id as sealtrail computes them: monthly index from @timestamp, _id = event.id.
    const ts = line.slice(15, 22); // "@timestamp":"YYYY-MM
    const idAt = line.indexOf('"id":"') + 6;
    const id = line.slice(idAt, line.indexOf('"', idAt));
    body += `{"index":{"_index":"sealtrail-events-${ts.replace('-', '.')}","_id":"${id}"}}\n${line}\n`;
    docs++;
    if (++n === batchDocs) {
      bodies.push(body);
      body = '';
      n = 0;
    }
  }
  if (body) bodies.push(body);
  const t0 = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const b = bodies[next++]!;
      const r = await fetch(`${url}/_bulk`, { method: 'POST', body: b, headers: { 'content-type': 'application/x-ndjson' } });
      const j = (await r.json()) as { errors: boolean };
      if (j.errors) throw new Error('plain bulk loop: item errors');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { docs, wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function main(): Promise<void> {
  const corpus = join(REPO, 'bench-data/corpus');
  if (!flags['no-parse']) {
    run(process.execPath, [GEN, '--out', corpus, '--size', size]);
    console.log('\n== parse throughput ==');
    run(process.execPath, [MEASURE, '--corpus', corpus, '--all']);
  }
  if (flags['no-es']) return;

  console.log('\n== end to end ==');
  const slice = join(REPO, 'bench-data/e2e');
  run(process.execPath, [GEN, '--out', slice, '--size', e2eSize, '--quiet']);
  const files = readdirSync(slice).filter((f) => f.endsWith('.log')).map((f) => join(slice, f));
  const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
  let es: Awaited<ReturnType<typeof startLocalElasticsearch>> | undefined;
  let url = flags.es ?? process.env.ES_URL;
  if (!url) {
    es = await startLocalElasticsearch({ heapMb: 2048 });
    url = es.url;
  }
  try {
    const docsFile = join(REPO, `bench-data/e2e-docs-${e2eSize}.ndjson`); // per size: the slice is regenerated when --e2e-size changes
    if (!existsSync(docsFile)) {
      mkdirSync(dirname(docsFile), { recursive: true });
      const fd = openSync(docsFile + '.tmp', 'w');
      const r = spawnSync(process.execPath, [CLI, 'parse', '--timezone', 'Asia/Shanghai', ...files], { cwd: REPO, stdio: ['ignore', fd, 'inherit'] });
      closeSync(fd);
      if (r.status !== 0) throw new Error('parse for the ceiling failed');
      renameSync(docsFile + '.tmp', docsFile); // only a whole file: a killed bench leaves no half one behind
    }
    // A fresh JVM indexes slower until it has warmed up: one discarded round first,
    // so neither side of the comparison pays for it.
    await esDelete(url);
    spawnSync(process.execPath, [CLI, 'setup', '--es', url], { cwd: REPO });
    await plainBulk(url, docsFile, 5000, 2);
    await esDelete(url);
    const setup = spawnSync(process.execPath, [CLI, 'setup', '--es', url], { cwd: REPO });
    if (setup.status !== 0) throw new Error(String(setup.stderr));
    const load0 = Number(loadavg()[0]!.toFixed(2));
    const u = await measureCli(['run', '--once', '--es', url, '--timezone', 'Asia/Shanghai', '--dead-letter', join(REPO, 'bench-data/dead-letter.ndjson'), ...files.flatMap((f) => ['--path', f])]);
    const load1 = Number(loadavg()[0]!.toFixed(2));
    const docs = await esCount(url);
    const sealtrailRate = docs / u.wall;

    let best = { docs: 0, wall: Infinity, batch: 0, conc: 0 };
    for (const [batch, conc] of flags['no-ceiling'] ? [] : ([[2000, 2], [5000, 2], [5000, 4]] as const)) {
      await esDelete(url);
      spawnSync(process.execPath, [CLI, 'setup', '--es', url], { cwd: REPO });
      const r = await plainBulk(url, docsFile, batch, conc);
      console.log(`  plain _bulk loop: ${batch} docs/request, ${conc} in flight: ${(r.docs / r.wall).toFixed(0)} docs/s`);
      if (r.docs / r.wall > best.docs / best.wall) best = { ...r, batch, conc };
    }
    const ceiling = best.docs / best.wall;
    const gib = bytes / 2 ** 30;
    const lines = [
      `input                      ${(bytes / 2 ** 20).toFixed(0)} MiB, ${files.length} files`,
      `sealtrail run --once       ${docs} docs in ${u.wall.toFixed(1)} s = ${sealtrailRate.toFixed(0)} docs/s (exit ${u.code})`,
      ...(ceiling
        ? [`plain _bulk ceiling        ${ceiling.toFixed(0)} docs/s (${best.batch} docs/request, ${best.conc} in flight)`, `ratio                      ${(sealtrailRate / ceiling).toFixed(2)}`]
        : ['plain _bulk ceiling        not measured (--no-ceiling)']),
      `sealtrail CPU              ${u.cpu.toFixed(1)} s = ${(u.cpu / gib).toFixed(0)} CPU-s per GiB of log; peak RSS ${u.maxRssMiB.toFixed(0)} MiB`,
      `load average (1 min)       ${load0} at the start of run --once, ${load1} at its end`,
    ];
    console.log(lines.join('\n'));
    if (flags.peers) {
      console.log('\n== peers, same corpus, same Elasticsearch ==');
      const only = flags.peer ?? [];
      const peers = await measurePeers(url, slice, files, { stallSeconds: 60, maxSeconds: 1800, only: only.length ? only : undefined });
      const me = { name: 'sealtrail run --once', docs, cpu: u.cpu, wall: u.wall, peakRssMiB: u.maxRssMiB, load: [load0, load1] as [number, number], note: '' };
      const table = [`expected entries (peers) ${peers.expected}; sealtrail's documents are its events`, ...peerTable(bytes, [me, ...peers.rows])];
      console.log(table.join('\n'));
      lines.push('', ...table);
    }
    writeFileSync(join(REPO, 'bench-data/e2e-result.txt'), lines.join('\n') + '\n');
  } finally {
    if (es) await es.stop();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exitCode = 1;
});
