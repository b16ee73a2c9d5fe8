/**
 * The shipper's /metrics: prom-client's exposition passes `promtool check
 * metrics`, keeps the health metrics, and carries the domain metrics: after
 * shipping the seed's poster log, the PoSt failure counter names storage host
 * 10.10.13.22 and ENOENT; every count agrees with what `parse` makes of the
 * same files. Label values stay bounded.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { DomainMetrics } from '../src/metrics/domain.js';
import type { SealEvent } from '../src/model.js';
import { REPO, runCli, type Doc } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';
import { parsed, startShipper, terminate, waitFor } from './helpers/tail.js';
import { byKey, freePort, key, promtool, samples } from './helpers/prom.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');

before(async () => {
  assert.equal((await runCli(['setup', '--es', ES])).code, 0);
});

const SAMPLES = [
  'lotus/samples/force-poster-winning-post.log', // the seed's poster: every winning PoSt fails reading p_aux on 10.10.13.22
  'lotus/samples/mining.log',
  'lotus/samples/stock-faults.log',
  'lotus/samples/window-post.log',
  'lotus/samples/force-sealer.log',
  'lotus/samples/messy.log',
  'filcrypto/samples/worker-pc1-pc2-c2.log',
  'venus/samples/damocles-worker-sealing.log',
];

/** What the metrics must say, counted from parse's documents. */
function expected(docs: Doc[]): Map<string, number> {
  const m = new Map<string, number>();
  const add = (k: string, v = 1) => m.set(k, (m.get(k) ?? 0) + v);
  for (const d of docs) {
    const f = d.filecoin ?? {};
    switch (d.event.action) {
      case 'post-failed':
        add(key('sealtrail_post_failures_total', { type: f.post?.type ?? 'unknown', storage_host: f.storage?.host ?? 'none', code: d.error?.code ?? 'none' }));
        break;
      case 'post-started':
        add(key('sealtrail_post_started_total', { type: f.post?.type ?? 'unknown' }));
        break;
      case 'post-finished':
        add(key('sealtrail_post_finished_total', { type: f.post?.type ?? 'unknown' }));
        break;
      case 'block-mined': {
        add(key('sealtrail_blocks_mined_total', { miner: f.miner.id }));
        const k = key('sealtrail_last_block_mined_timestamp_seconds', { miner: f.miner.id });
        m.set(k, Math.max(m.get(k) ?? 0, Date.parse(d['@timestamp']) / 1000));
        break;
      }
      case 'sector-error':
        add(key('sealtrail_sector_errors_total', { event: f.sector?.event ?? 'none' }));
        break;
      case 'sector-faulty':
        add(key('sealtrail_sector_faulty_total', { miner: f.miner?.id ?? 'unknown' }));
        break;
      case 'sector-state-changed':
        add(key('sealtrail_state_changes_total', { state: f.sector.state }));
        break;
      case 'task-finished':
        if (d.event.duration !== undefined) {
          add(key('sealtrail_task_duration_seconds_count', { type: f.task.type, host: d.host.name }));
          add(key('sealtrail_task_duration_seconds_sum', { type: f.task.type, host: d.host.name }), d.event.duration / 1e9);
        }
        break;
    }
  }
  return m;
}

test("the shipper's /metrics: promtool accepts it, and the domain metrics count what the logs say (the poster's 10.10.13.22 / ENOENT)", async () => {
  const dir = tempDir('sealtrail-metrics-');
  const files = SAMPLES.map((s, i) => {
    const to = join(dir, `${i}-${s.split('/').pop()}`);
    // A live tail leaves a last line without its newline for later (messy.log ends so): give it one.
    const text = readFileSync(join(REPO, 'pipelines', s), 'utf8');
    writeFileSync(to, text.endsWith('\n') ? text : `${text}\n`);
    return to;
  });
  const host = `metrics-${process.pid}`;
  const docs = await parsed(files, host);
  const want = expected(docs);
  assert.ok(want.size >= 10, `the samples exercise the metrics (${[...want.keys()].join(' ')})`);
  const port = await freePort();
  const s = startShipper([
    'run', '--es', ES, '--host', host, '--timezone', 'Asia/Shanghai',
    ...files.flatMap((f) => ['--path', f]),
    '--registry', join(dir, 'registry.json'), '--dead-letter', join(dir, 'dl.ndjson'),
    '--status-interval', '0', '--metrics-port', String(port),
  ]);
  try {
    const text = await waitFor(
      'every entry counted',
      async () => {
        const t = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const events = samples(t).filter((x) => x.name === 'sealtrail_events_total').reduce((a, x) => a + x.value, 0);
        const indexed = samples(t).find((x) => x.name === 'sealtrail_indexed_total')?.value;
        return events === docs.length && indexed === docs.length ? t : undefined;
      },
      60_000,
    );
    const check = await promtool(['check', 'metrics'], text);
    assert.equal(check.code, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);

    const got = byKey(samples(text));
    // The seed's story, literally.
    assert.ok((got.get(key('sealtrail_post_failures_total', { type: 'winning', storage_host: '10.10.13.22', code: 'ENOENT' })) ?? 0) >= 1, text);
    for (const [k, v] of want) {
      const have = got.get(k);
      assert.ok(have !== undefined, `${k} is served`);
      if (k.startsWith('sealtrail_task_duration_seconds_sum')) assert.ok(Math.abs(have - v) < 1e-6 * Math.max(1, v), `${k}: ${have}, expected ${v}`);
      else assert.equal(have, v, k);
    }
    // Nothing counted that parse did not see (the histogram's buckets aside).
    const domain = /^sealtrail_(post_failures_total|post_started_total|post_finished_total|blocks_mined_total|last_block_mined_timestamp_seconds|sector_errors_total|sector_faulty_total|state_changes_total|task_duration_seconds_(count|sum))\{/;
    for (const k of got.keys()) if (domain.test(k)) assert.ok(want.has(k), `${k} is not in what parse says`);
    // Histogram buckets are cumulative and end at the count.
    for (const sm of samples(text).filter((x) => x.name === 'sealtrail_task_duration_seconds_bucket' && x.labels.le === '+Inf')) {
      assert.equal(sm.value, got.get(key('sealtrail_task_duration_seconds_count', { type: sm.labels.type!, host: sm.labels.host! })));
    }
    // The health metrics are still there, and Node's process metrics with them.
    for (const name of ['sealtrail_lag_bytes', 'sealtrail_unread_bytes', 'sealtrail_files', 'sealtrail_bytes_read_total', 'sealtrail_dead_letters_total', 'sealtrail_retries_total', 'sealtrail_in_flight_bytes', 'process_resident_memory_bytes']) {
      assert.ok(got.has(name), `${name} is served`);
    }
    // No sector numbers, paths or messages as label values.
    for (const sm of samples(text)) for (const v of Object.values(sm.labels)) assert.doesNotMatch(v, /\/|s-t0|p_aux|\s/, `${sm.name}: label value ${v}`);
  } finally {
    const { code } = await terminate(s);
    assert.equal(code, 0, s.stderr());
  }
});

function ev(over: Partial<SealEvent>): SealEvent {
  return { time: Date.UTC(2024, 0, 1), id: 'x', action: 'log', dataset: 'sealtrail.lotus', original: '', message: '', level: undefined, logger: undefined, originFile: undefined, originLine: undefined, path: '/x', offset: 0, host: 'h', tags: undefined, ...over };
}

test('label values are bounded: storage hosts beyond the cap count as "other", odd values never become labels', async () => {
  const registry = new Registry();
  const m = new DomainMetrics(registry, { maxStorageHosts: 2 });
  const hosts = ['10.10.13.21', '10.10.13.22', '10.10.13.23', '10.10.13.24', '10.10.13.22'];
  m.observe(hosts.map((h) => ev({ action: 'post-failed', postType: 'winning', storageHost: h, errorCode: 'ENOENT' })));
  m.observe([ev({ action: 'post-failed', postType: 'window', storageHost: '/mnt/nfs/10.10.13.22/cache', errorCode: 'os error 2 "x"' })]);
  m.observe([ev({ action: 'block-mined', miner: 1005, time: Date.UTC(2024, 0, 2) }), ev({ action: 'block-mined', miner: 1005, time: Date.UTC(2024, 0, 1) })]);
  const got = byKey(samples(await registry.metrics()));
  assert.equal(got.get(key('sealtrail_post_failures_total', { type: 'winning', storage_host: '10.10.13.21', code: 'ENOENT' })), 1);
  assert.equal(got.get(key('sealtrail_post_failures_total', { type: 'winning', storage_host: '10.10.13.22', code: 'ENOENT' })), 2);
  assert.equal(got.get(key('sealtrail_post_failures_total', { type: 'winning', storage_host: 'other', code: 'ENOENT' })), 2);
  assert.equal(got.get(key('sealtrail_post_failures_total', { type: 'window', storage_host: 'other', code: 'other' })), 1);
  assert.equal([...got.keys()].filter((k) => k.startsWith('sealtrail_post_failures_total')).length, 4);
  assert.equal(got.get(key('sealtrail_blocks_mined_total', { miner: 1005 })), 2);
  // An older block read later does not move the time of the last one back.
  assert.equal(got.get(key('sealtrail_last_block_mined_timestamp_seconds', { miner: 1005 })), Date.UTC(2024, 0, 2) / 1000);
});

test("run's metrics options: a bad count or address, or a port in use, is one line and exit 2", async () => {
  const dir = tempDir('sealtrail-metrics-opts-');
  const log = join(dir, 'x.log');
  writeFileSync(log, '');
  const base = ['run', '--es', ES!, '--path', log, '--registry', join(dir, 'r.json'), '--dead-letter', join(dir, 'dl.ndjson'), '--status-interval', '0'];
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const taken = (busy.address() as { port: number }).port;
  try {
    const cases: [string[], RegExp][] = [
      [['--metrics-port', '9464', '--metrics-storage-hosts', 'many'], /--metrics-storage-hosts "many" is not a count .*\[E_USAGE\]$/],
      [['--metrics-port', '9464', '--metrics-address', 'a b'], /--metrics-address "a b" is not an address .*\[E_USAGE\]$/],
      [['--metrics-port', String(taken)], new RegExp(`--metrics-port ${taken}: cannot listen on 127\\.0\\.0\\.1:${taken} \\(address in use\\) .*\\[E_CONFIG\\]$`)],
    ];
    for (const [args, re] of cases) {
      const r = await runCli([...base, ...args]);
      const lines = r.stderr.split('\n').filter((l) => l !== '' && !/^sealtrail: (tailing|elasticsearch)/.test(l));
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(lines.at(-1)!, re, r.stderr);
    }
  } finally {
    busy.close();
  }
});
