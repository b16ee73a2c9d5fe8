/**
 * `sealtrail exporter` against the test Elasticsearch, scraped by a real
 * Prometheus (Debian's package, started here on 127.0.0.1 with its own
 * config and data directory): PromQL over its HTTP API gives the counts
 * `states --json`, `stuck --json` and `post-errors --json` give. The
 * exporter's /metrics passes `promtool check metrics`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, runCli } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';
import { startShipper, terminate, waitFor, type Shipper } from './helpers/tail.js';
import { freePort, promtool, samples, startPrometheus, type PrometheusServer } from './helpers/prom.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const dir = tempDir('sealtrail-exporter-');
// A miner of its own, so the counts are this test's whatever else the index holds.
const MINER = 70_000 + (process.pid % 10_000);
const NOW = Date.now();

/** Local time in +08:00, as the operators' logs write it. */
function stamp(ms: number, zone = true): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 23) + (zone ? '+0800' : '');
}
function stateLine(ms: number, sector: number, state: string): string {
  return `${stamp(ms)}\tINFO\tsectors\tffsm/fsm.go:196\tSector ${sector} update state: ${state} ...\n`;
}

// The seed's story: 56 sectors sitting in PreCommitWait for 3 h; a few moving normally.
const STORY: [state: string, count: number, agoMs: number][] = [
  ['PreCommitWait', 56, 3 * 3_600_000],
  ['PreCommit1', 3, 2 * 3_600_000],
  ['WaitSeed', 5, 10 * 60_000],
  ['Proving', 7, 24 * 3_600_000],
];

let exporter: Shipper | undefined;
let prometheus: PrometheusServer | undefined;
let exporterPort = 0;

before(async () => {
  assert.equal((await runCli(['setup', '--es', ES])).code, 0);
  let text = '';
  let sector = 1;
  for (const [state, count, ago] of STORY) for (let i = 0; i < count; i++) text += stateLine(NOW - ago + i * 1000, sector++, state);
  const sealer = join(dir, 'sealer.log');
  writeFileSync(sealer, text);
  // The seed's poster log, its times moved to a few minutes ago: three winning PoSts failing on 10.10.13.22.
  const poster = readFileSync(join(REPO, 'pipelines/lotus/samples/force-poster-winning-post.log'), 'utf8');
  let recent = '';
  for (const ago of [9, 6, 3]) recent += poster.replace(/2020-06-27T19:21:33\.(\d{3})(\+0800)?/g, (_m, _ms: string, z: string | undefined) => stamp(NOW - ago * 60_000, z !== undefined));
  const posterFile = join(dir, 'poster.log');
  writeFileSync(posterFile, recent);
  const host = `exporter-${process.pid}`;
  for (const args of [
    ['--path', sealer, '--miner', `f0${MINER}`],
    ['--path', posterFile],
  ]) {
    const r = await runCli(['run', '--once', '--es', ES, '--host', host, '--timezone', 'Asia/Shanghai', '--dead-letter', join(dir, 'dl.ndjson'), ...args]);
    assert.equal(r.code, 0, r.stderr);
  }
  exporterPort = await freePort();
  exporter = startShipper(['exporter', '--es', ES, '--port', String(exporterPort), '--interval', '1s', '--older', '1h']);
  await waitFor('the exporter to listen', () => /metrics on http/.test(exporter!.stderr()), 20_000);
  prometheus = await startPrometheus(join(dir, 'prometheus'), 'sealtrail-exporter', [`127.0.0.1:${exporterPort}`]);
});

after(async () => {
  await prometheus?.stop();
  if (exporter) {
    const { code } = await terminate(exporter);
    assert.equal(code, 0, exporter.stderr());
  }
});

async function cliJson<T>(args: string[]): Promise<T> {
  const r = await runCli([...args, '--es', ES!, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

test('the exporter\'s /metrics passes promtool check metrics and carries the cluster gauges', async () => {
  const text = await waitFor(
    'the exporter to have answered',
    async () => {
      const t = await (await fetch(`http://127.0.0.1:${exporterPort}/metrics`)).text();
      return samples(t).some((s) => s.name === 'sealtrail_sectors' && s.labels.miner === String(MINER)) ? t : undefined;
    },
    30_000,
  );
  const check = await promtool(['check', 'metrics'], text);
  assert.equal(check.code, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
  const up = samples(text).find((s) => s.name === 'sealtrail_exporter_up');
  assert.equal(up?.value, 1);
});

test('Prometheus scraping the exporter: sectors per state are what `states --json` says; stuck and recent PoSt failures agree with `stuck` and `post-errors`', async () => {
  const rows = await waitFor(
    'the sectors in the index',
    async () => {
      const r = await cliJson<{ state: string; count: number }[]>(['states', '--miner', String(MINER)]);
      return r.reduce((a, x) => a + x.count, 0) === 71 ? r : undefined;
    },
    30_000,
  );
  const want = new Map(rows.map((r) => [r.state, r.count]));
  assert.equal(want.get('PreCommitWait'), 56);

  const prom = prometheus!;
  const got = await waitFor(
    'Prometheus to hold the same counts',
    async () => {
      const res = await prom.query(`sum by (state) (sealtrail_sectors{job="sealtrail-exporter",miner="${MINER}"})`);
      const m = new Map(res.map((r) => [r.metric.state!, Number(r.value[1])]));
      return m.size === want.size && [...want].every(([s, n]) => m.get(s) === n) ? m : undefined;
    },
    60_000,
    500,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nprometheus log:\n${prom.log().slice(-2000)}`);
  });
  assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()));

  // Stuck: older than --older 1h, final states excluded; the same as `stuck --older 1h`.
  const stuck = await cliJson<{ state: string }[]>(['stuck', '--older', '1h', '--miner', String(MINER), '--limit', '1000']);
  const stuckBy = new Map<string, number>();
  for (const r of stuck) stuckBy.set(r.state, (stuckBy.get(r.state) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries([...stuckBy].sort()), { PreCommit1: 3, PreCommitWait: 56 });
  const stuckRes = await prom.query(`sealtrail_stuck_sectors{miner="${MINER}"}`);
  assert.deepEqual(Object.fromEntries(stuckRes.map((r) => [r.metric.state!, Number(r.value[1])]).sort()), Object.fromEntries([...stuckBy].sort()));

  // The oldest PreCommitWait sector has waited about 3 h.
  const age = await prom.query('sealtrail_oldest_state_age_seconds{state="PreCommitWait"}');
  assert.equal(age.length, 1);
  assert.ok(Number(age[0]!.value[1]) >= 3 * 3600 - 120, `oldest PreCommitWait age ${age[0]!.value[1]} s`);

  // Recent PoSt failures: the three winning PoSts on 10.10.13.22, as post-errors --since 15m counts them.
  const pe = await cliJson<{ storage_host: string | null; count: number }[]>(['post-errors', '--since', '15m', '--no-faults', '--storage-host', '10.10.13.22']);
  assert.ok(pe.length === 1 && pe[0]!.count >= 3, JSON.stringify(pe));
  const recent = await prom.query('sum by (storage_host) (sealtrail_post_failures_recent{type="winning",storage_host="10.10.13.22"})');
  assert.equal(Number(recent[0]?.value[1]), pe[0]!.count);
});

test("the exporter's mistakes: one line, exit 2, before it listens", async () => {
  const cases: [string[], RegExp][] = [
    [['--port', 'x'], /--port "x" is not a port number/],
    [['--interval', '10ms'], /--interval 10ms is too short/],
    [['--older', '-5h'], /--older -5h: a value cannot start with "-"/],
    [['--es', 'localhost:9200'], /--es "localhost:9200" is not an http/],
    [['--es', 'http://elastic:hunter2-planted@127.0.0.1:9200'], /has credentials in it/],
    [['--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['exporter', ...args]);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, re);
    assert.match(lines[0]!, /\[E_USAGE\]$/);
    assert.doesNotMatch(r.stderr, /hunter2-planted/);
  }
  const help = await runCli(['exporter', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /sealtrail_stuck_sectors\{state, miner\}/);
});

test('Elasticsearch away: the exporter keeps serving, says so once, and sealtrail_exporter_up is 0', async () => {
  const nobody = await freePort();
  const port = await freePort();
  const e = startShipper(['exporter', '--es', `http://127.0.0.1:${nobody}`, '--port', String(port), '--interval', '1s']);
  try {
    const m = await waitFor(
      'two failed refreshes',
      async () => {
        const s = samples(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
        return (s.find((x) => x.name === 'sealtrail_exporter_errors_total')?.value ?? 0) >= 2 ? s : undefined;
      },
      30_000,
    );
    assert.equal(m.find((x) => x.name === 'sealtrail_exporter_up')?.value, 0);
    assert.equal(m.filter((x) => x.name === 'sealtrail_sectors').length, 0);
    assert.equal(e.stderr().match(/refresh failed/g)?.length, 1, e.stderr());
    assert.match(e.stderr(), /cannot reach Elasticsearch/);
  } finally {
    const { code } = await terminate(e);
    assert.equal(code, 0, e.stderr());
  }
});
