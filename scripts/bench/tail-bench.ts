/**
 * The shipper's weight, measured on a real `sealtrail run` (tailing) and a
 * local Elasticsearch; prints figures, asserts nothing. `--help` says what
 * it measures and which flags it takes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalElasticsearch } from '../lib/local-elasticsearch.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const HELP = `usage: npm run bench:tail -- [--size SIZE | --corpus DIR | --dense] [--es URL] [--fresh]
                            [--backlog-only] [--cli FILE] [--node-arg ARG ...] [--rss-every S] [--shipper-out FILE]

Prints figures, asserts nothing, about one \`sealtrail run\` (tailing) into Elasticsearch:
  backlog       a corpus already on disk when the shipper starts: time and CPU-s until its lag
                (Prometheus sealtrail_lag_bytes) reaches 0, CPU-s per GiB, peak RSS (VmHWM)
  idle          CPU used over 10 s with nothing to ship
  live latency  a line appended every 200 ms for 30 s; time until each is searchable, p50 and p99
The machine's load average is printed at the start and end of each.

  --size SIZE         the generated corpus (generate-corpus.js), default 256MiB (--dense: 128MiB)
  --corpus DIR        copy DIR's *.log files as the backlog instead, e.g. bench-data/tail (1 GiB)
  --dense             one sealer log where every line names one of 20,000 sectors (generate-dense.js):
                      the worst case for the trackers and the sectors index
  --es URL            the Elasticsearch to ship into (default: a local node started for the run)
  --fresh             delete the sealtrail indices first, so runs on one node compare
  --backlog-only      stop after the backlog
  --cli FILE          the sealtrail build to run (default this one's build/src/cli/main.js)
  --node-arg ARG      a flag for node itself, repeatable (--trace-gc, --heapsnapshot-signal=SIGUSR2)
  --rss-every S       print RSS and lag every S seconds during the backlog
  --shipper-out FILE  where the shipper's stdout goes (default: discarded)
`;

function flagsOf() {
  try {
    return parseArgs({
      options: {
        size: { type: 'string' },
        corpus: { type: 'string' },
        dense: { type: 'boolean' },
        es: { type: 'string' },
        fresh: { type: 'boolean' },
        'backlog-only': { type: 'boolean' },
        cli: { type: 'string' },
        'node-arg': { type: 'string', multiple: true },
        'rss-every': { type: 'string', default: '0' },
        'shipper-out': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`bench:tail: ${(e as Error).message} (see npm run bench:tail -- --help)\n`);
    process.exit(2);
  }
}
const flags = flagsOf();
if (flags.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const CLI = resolve(flags.cli ?? join(REPO, 'build/src/cli/main.js'));
const TICK = 100; // clock ticks per second on Linux

function procStat(pid: number): { cpuS: number; rssMiB: number; hwmMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(fields[11]) + Number(fields[12])) / TICK; // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { cpuS, rssMiB: kb('VmRSS'), hwmMiB: kb('VmHWM') };
}

/** One scrape: the value of each name (summed over its labels; sealtrail_events_total is by action). */
async function scrape(port: number, names: string[]): Promise<number[]> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return names.map((name) => {
    let sum = NaN;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[1]);
    return sum;
  });
}

/** The 1-minute load average, as printed beside each figure: CPU-s grow on a busy machine. */
const load = (): string => loadavg()[0]!.toFixed(1);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const dense = flags.dense === true;
  const size = flags.size ?? (dense ? '128MiB' : '256MiB');
  const work = mkdtempSync(join(tmpdir(), 'sealtrail-tail-bench-'));
  if (dense) {
    spawnSync(process.execPath, [join(REPO, 'build/scripts/bench/generate-dense.js'), '--out', join(work, 'sealer.log'), '--size', size], { stdio: 'inherit' });
  } else {
    const given = flags.corpus;
    const corpus = given ? resolve(given) : join(REPO, 'bench-data/tail');
    if (!given) spawnSync(process.execPath, [join(REPO, 'build/scripts/bench/generate-corpus.js'), '--out', corpus, '--size', size, '--quiet'], { stdio: 'inherit' });
    // The shipper reads a copy, so the live file can be appended to.
    for (const f of readdirSync(corpus).filter((f) => f.endsWith('.log'))) copyFileSync(join(corpus, f), join(work, f));
  }
  const nodeArgs = flags['node-arg'] ?? [];
  const rssEvery = Number(flags['rss-every']);
  const live = join(work, 'live.log');
  // An established log, longer than the first KiB that is a file's identity: an empty new file
  // is not read until it has a KiB (or has been quiet for 10 s; README, "Identity of an entry"),
  // and the latency measured would be that wait, not a line's way into Elasticsearch.
  const liveLine = (at: number, marker: string) =>
    `${new Date(at + 8 * 3600_000).toISOString().slice(0, 23)}+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector 1 update state: Packing ... ${marker}\n`;
  writeFileSync(live, Array.from({ length: 12 }, (_, i) => liveLine(Date.now(), `seed${i}`)).join(''));

  let es: Awaited<ReturnType<typeof startLocalElasticsearch>> | undefined;
  let url = flags.es;
  if (!url) {
    es = await startLocalElasticsearch({ heapMb: 2048 });
    url = es.url;
  }
  const port = 19000 + Math.floor(Math.random() * 1000);
  let shipper: ChildProcess | undefined;
  try {
    if (flags.fresh) await fetch(`${url}/sealtrail-*?expand_wildcards=all`, { method: 'DELETE' });
    spawnSync(process.execPath, [CLI, 'setup', '--es', url], { stdio: 'ignore' });
    const t0 = Date.now();
    const load0 = load();
    shipper = spawn(process.execPath, [...nodeArgs, CLI, 'run', '--es', url, '--path', join(work, '*.log'), '--registry', join(work, 'registry.json'),
      '--dead-letter', join(work, 'dead.ndjson'), '--timezone', 'Asia/Shanghai', '--host', 'tail-bench', '--metrics-port', String(port), '--status-interval', '0',
      ...(dense ? ['--miner', 'f01000'] : [])],
      { stdio: ['ignore', flags['shipper-out'] ? openSync(flags['shipper-out'], 'w') : 'ignore', 'inherit'] });
    const pid = shipper.pid!;
    console.log(`shipper pid ${pid} (${CLI}); load ${load0}`);
    let lag = NaN;
    for (;;) {
      await sleep(1000);
      // One scrape a second: each costs the shipper (prom-client's default metrics), and a Prometheus scrapes every 15-60 s.
      const [l, r] = await scrape(port, ['sealtrail_lag_bytes', 'sealtrail_bytes_read_total']).catch(() => [NaN, 0]);
      lag = l!;
      const read = r!;
      if (rssEvery > 0 && Math.round((Date.now() - t0) / 1000) % rssEvery === 0) {
        const p = procStat(pid);
        console.log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s: RSS ${p.rssMiB.toFixed(0)} MiB, peak ${p.hwmMiB.toFixed(0)} MiB, ${p.cpuS.toFixed(1)} CPU-s, lag ${(lag / 2 ** 20).toFixed(1)} MiB`);
      }
      if (lag === 0 && read > 0) break;
    }
    const backlog = procStat(pid);
    const secs = (Date.now() - t0) / 1000;
    const gib = readdirSync(work).reduce((a, f) => (f.endsWith('.log') ? a + statSync(join(work, f)).size : a), 0) / 2 ** 30;
    const [events] = await scrape(port, ['sealtrail_events_total']).catch(() => [NaN]);
    console.log(`backlog        ${(gib * 1024).toFixed(0)} MiB caught up in ${secs.toFixed(1)} s; ${backlog.cpuS.toFixed(1)} CPU-s = ${(backlog.cpuS / gib).toFixed(0)} CPU-s per GiB; peak RSS ${backlog.hwmMiB.toFixed(0)} MiB; ${events} events; load ${load0}→${load()}`);
    if (flags['backlog-only']) return;

    await sleep(3000);
    const idle0 = load();
    const a = procStat(pid);
    await sleep(10_000);
    const b = procStat(pid);
    console.log(`idle           ${(((b.cpuS - a.cpuS) / 10) * 100).toFixed(2)} % of one core over 10 s; RSS ${b.rssMiB.toFixed(0)} MiB; load ${idle0}→${load()}`);

    const latencies: number[] = [];
    const pending = new Map<string, number>();
    const live0 = load();
    const stopAt = Date.now() + 30_000;
    let n = 0;
    const writer = (async () => {
      while (Date.now() < stopAt) {
        const marker = `tailbench${n++}`;
        pending.set(marker, Date.now());
        appendFileSync(live, liveLine(Date.now(), marker));
        await sleep(200);
      }
    })();
    while (Date.now() < stopAt + 10_000 && (pending.size > 0 || Date.now() < stopAt)) {
      await sleep(100);
      const res = (await (await fetch(`${url}/sealtrail-events/_search?filter_path=hits.hits._source.message&size=500`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: { term: { 'log.file.path': live } }, _source: ['message'] }),
      })).json()) as { hits?: { hits?: { _source: { message: string } }[] } };
      for (const h of res.hits?.hits ?? []) {
        const marker = /tailbench\d+$/.exec(h._source.message)?.[0];
        if (marker && pending.has(marker)) {
          latencies.push(Date.now() - pending.get(marker)!);
          pending.delete(marker);
        }
      }
    }
    await writer;
    latencies.sort((x, y) => x - y);
    console.log(`live latency   ${latencies.length} lines (${pending.size} not seen): p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms, slowest ${latencies.slice(-3).join(' / ')} ms (search polled every 100 ms); load ${live0}→${load()}`);
  } finally {
    shipper?.kill('SIGTERM');
    await sleep(2000);
    if (es) await es.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exitCode = 1;
});
