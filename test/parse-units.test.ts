import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../src/events/duration.js';
import { ZoneResolver } from '../src/records/zone.js';
import { TimestampReader, IsoFormatter } from '../src/records/timestamp.js';
import { LineSplitter } from '../src/lines/line-splitter.js';
import { EntryJoiner } from '../src/entries/entry-joiner.js';
import { Unwrapper } from '../src/entries/unwrap.js';
import { addFailureDetails } from '../src/enrich/error-details.js';
import { SectorTracker } from '../src/enrich/sector-tracker.js';
import { SealtrailError } from '../src/errors.js';
import type { SealEvent } from '../src/model.js';
import { ndjson, runCli } from './helpers/repo.js';
import { sealerLog, tempDir } from './helpers/fixtures.js';
import { StreamFlow } from '../src/flow.js';
import { FlowContext } from '../src/flow-context.js';
import { loadDefinitions } from '../src/definitions.js';

test('Go durations in nanoseconds, exactly', () => {
  assert.equal(parseDuration('9m30.020676518s'), 570_020_676_518);
  assert.equal(parseDuration('2m0.017911886s'), 120_017_911_886);
  assert.equal(parseDuration('5.6s'), 5_600_000_000);
  assert.equal(parseDuration('1h2m3.5s'), 3_723_500_000_000);
  assert.equal(parseDuration('150ms'), 150_000_000);
  assert.equal(parseDuration('3µs'), 3000);
  assert.equal(parseDuration('3us'), 3000);
  assert.equal(parseDuration('10ns'), 10);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration(13.37), 13_370_000_000);
  assert.equal(parseDuration('13.37'), 13_370_000_000);
  assert.ok(Number.isNaN(parseDuration('soon')));
  assert.ok(Number.isNaN(parseDuration('5s later')));
});

test('timestamps: offsets, Z, fractions, and dates that do not exist', () => {
  const ts = new TimestampReader();
  const at = (s: string) => (ts.read(s) ? ts.ms : NaN);
  assert.equal(at('2020-06-23T12:02:39.807+0800\tINFO'), Date.UTC(2020, 5, 23, 4, 2, 39, 807));
  assert.equal(at('2020-06-23T12:02:39.807-0700'), Date.UTC(2020, 5, 23, 19, 2, 39, 807));
  assert.equal(at('2020-06-23T12:02:39.807+08:00'), Date.UTC(2020, 5, 23, 4, 2, 39, 807));
  assert.equal(at('2020-06-23T12:02:39Z'), Date.UTC(2020, 5, 23, 12, 2, 39));
  assert.equal(at('2023-03-02T07:45:30.123456789+08:00  INFO'), Date.UTC(2023, 2, 1, 23, 45, 30, 123));
  assert.equal(ts.fractionDigits, 9);
  ts.read('2020-06-27T19:21:33.205 INFO');
  assert.equal(ts.zoned, false);
  assert.ok(Number.isNaN(at('2020-13-45T99:00:00.000+0800')));
  assert.ok(Number.isNaN(at('2021-02-29T00:00:00Z')));
  assert.equal(at('2020-02-29T00:00:00Z'), Date.UTC(2020, 1, 29));
  assert.ok(Number.isNaN(at('2020-06-23')));
  const iso = new IsoFormatter();
  for (const t of [0, 1592884959807, Date.UTC(2020, 1, 29, 23, 59, 59, 999), 4102444799999]) assert.equal(iso.format(t), new Date(t).toISOString());
});

test('zone-less times: fixed offsets, and both DST edges', () => {
  const sh = new ZoneResolver('Asia/Shanghai');
  assert.equal(sh.toUtc(Date.UTC(2020, 5, 27, 19, 21, 33, 205)), Date.UTC(2020, 5, 27, 11, 21, 33, 205));
  const ny = new ZoneResolver('America/New_York');
  // Summer and winter.
  assert.equal(ny.toUtc(Date.UTC(2021, 6, 1, 12, 0)), Date.UTC(2021, 6, 1, 16, 0));
  assert.equal(ny.toUtc(Date.UTC(2021, 0, 1, 12, 0)), Date.UTC(2021, 0, 1, 17, 0));
  // 01:30 happens twice on 2021-11-07: the earlier (EDT) instant wins.
  assert.equal(ny.toUtc(Date.UTC(2021, 10, 7, 1, 30)), Date.UTC(2021, 10, 7, 5, 30));
  // 02:30 never happens on 2021-03-14: moved forward by the gap, to 03:30 EDT, like luxon.
  assert.equal(ny.toUtc(Date.UTC(2021, 2, 14, 2, 30)), Date.UTC(2021, 2, 14, 7, 30));
  assert.equal(new ZoneResolver('UTC').toUtc(5), 5);
  assert.throws(() => new ZoneResolver('Mars/Olympus'), (e: unknown) => e instanceof SealtrailError && e.code === 'E_USAGE');
});

test('line splitting: offsets across any chunking, CRLF, no final newline, invalid UTF-8', () => {
  const input = Buffer.concat([Buffer.from('first\r\nsecond \u4e2d\n'), Buffer.from([0x62, 0xff, 0xfe, 0x61, 0x0a]), Buffer.from('last')]);
  for (const size of [1, 2, 3, 7, 64]) {
    const s = new LineSplitter(0);
    const texts: string[] = [];
    const starts: number[] = [];
    for (let i = 0; i < input.length; i += size) {
      const b = s.push(input.subarray(i, i + size));
      texts.push(...b.texts);
      starts.push(...b.starts);
    }
    const e = s.end();
    texts.push(...e.texts);
    starts.push(...e.starts);
    assert.deepEqual(texts, ['first\r', 'second \u4e2d', 'b\ufffd\ufffda', 'last'], `chunk size ${size}`);
    assert.deepEqual(starts, [0, 7, 18, 23], `chunk size ${size}`);
    assert.equal(e.end, input.length);
  }
});

test('an over-long line is cut at the limit, flagged, and the next line is intact', () => {
  const s = new LineSplitter(0, 10);
  const a = s.push(Buffer.from('0123456789ABCDEFGH'));
  const b = s.push(Buffer.from('IJK\nnext\n'));
  assert.deepEqual(a.texts, ['0123456789']);
  assert.deepEqual(a.truncated, [0]);
  assert.deepEqual(b.texts, ['next']);
  assert.deepEqual(b.starts, [22]);
});

test('multi-line entries join until the next timestamped line, across batches', () => {
  const j = new EntryJoiner();
  const batch = (texts: string[], start: number) => ({ texts, starts: texts.map((_, i) => start + i * 100), truncated: [], end: start + texts.length * 100 });
  const a = j.push(batch(['2020-06-27T19:21:33.207+0800\tERROR\tminer\tminer/miner.go:165\tmining block failed:', '    github.com/x.(*Miner).mineOne'], 0));
  assert.equal(a.entries.length, 0);
  assert.equal(a.resumeAt, 0, 'the open entry is not past the checkpoint');
  const b = j.push(batch(['', '    Caused by:', '\t/builds/x/miner.go:343', '2020-06-27T19:21:34.000+0800\tINFO\tminer\tminer/miner.go:1\tnext'], 200));
  assert.equal(b.entries.length, 1);
  assert.equal(b.entries[0]!.original.split('\n').length, 5);
  assert.equal(b.resumeAt, 500);
  const c = j.flush(600);
  assert.equal(c.entries[0]!.body.endsWith('next'), true);
});

test('wrappers are peeled; a table row is not mistaken for docker', () => {
  const u = new Unwrapper();
  const zap = '2020-06-23T12:02:39.807+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector 1 update state: Packing ...';
  assert.equal(u.peel(`Sep 17 11:56:30 host01 lotus-miner[119077]: ${zap}`), zap);
  assert.deepEqual(u.wrapper, { kind: 'journald', source: 'host01', process: 'lotus-miner', pid: 119077 });
  assert.equal(u.peel(`lotus_1  | ${zap}`), zap);
  assert.equal(u.wrapper?.source, 'lotus_1');
  assert.equal(u.peel(`1|lotus miner  | ${zap}`), zap);
  assert.equal(u.wrapper?.source, 'lotus miner');
  assert.equal(u.peel('2020-06-23T12:02:39.807+0800\t\x1b[34mINFO\x1b[0m\tsectors'), '2020-06-23T12:02:39.807+0800\tINFO\tsectors');
  assert.equal(u.peel('2020-06-23T12:02:39.807+0800\t^[[34mINFO^[[0m\tsectors'), '2020-06-23T12:02:39.807+0800\tINFO\tsectors');
  assert.equal(u.peel('Name | Size | Used'), 'Name | Size | Used');
  assert.equal(u.wrapper, undefined);
});

function failure(message: string): SealEvent {
  return { action: 'post-failed', message, errorMessage: message } as SealEvent;
}

test('failure details: the unreadable file, its storage host, its sector, the OS error', () => {
  const seed = failure('failed to compute winning post proof:\n  - could not read from path="/mnt/nfs/10.10.13.22/cache/s-t01005-524/p_aux"\n\n    Caused by:\n        No such file or directory (os error 2)');
  addFailureDetails(seed);
  assert.equal(seed.filePath, '/mnt/nfs/10.10.13.22/cache/s-t01005-524/p_aux');
  assert.equal(seed.fileName, 'p_aux');
  assert.equal(seed.storageHost, '10.10.13.22');
  assert.equal(seed.miner, 1005);
  assert.equal(seed.sector, 524);
  assert.equal(seed.errorCode, 'ENOENT');
  const go = failure('open /mnt/store3/sealed/s-f01234-77: input/output error');
  addFailureDetails(go);
  assert.equal(go.filePath, '/mnt/store3/sealed/s-f01234-77');
  assert.equal(go.storageHost, undefined);
  assert.equal(go.errorCode, 'EIO');
  assert.equal(go.sector, 77);
  const rust = failure('generate_window_post: faulty sectors [SectorId(458)]');
  addFailureDetails(rust);
  assert.equal(rust.sector, 458);
  const struct = failure('checking sector {Miner: 1005, Number: 524}: permission denied');
  addFailureDetails(struct);
  assert.deepEqual([struct.miner, struct.sector, struct.errorCode], [1005, 524, 'EACCES']);
});

test('the tracker carries the miner and previous state, and forgets the least recently seen sectors first', () => {
  const t = new SectorTracker({ maxSectors: 3 });
  const ev = (sector: number, action: string, time: number, extra: Partial<SealEvent> = {}) => ({ sector, action, time, ...extra }) as SealEvent;
  t.enrich(ev(1, 'log', 0, { miner: 1007 }));
  const s1 = ev(1, 'sector-state-changed', 10, { state: 'PreCommit1' });
  t.enrich(s1);
  assert.equal(s1.miner, 1007);
  const s2 = ev(1, 'sector-state-changed', 5010, { state: 'PreCommit2' });
  t.enrich(s2);
  assert.equal(s2.previousState, 'PreCommit1');
  assert.equal(s2.duration, 5_000_000_000);
  for (const n of [2, 3, 4]) t.enrich(ev(n, 'log', 20));
  assert.equal(t.size, 3);
  const again = ev(1, 'sector-state-changed', 9000, { state: 'Committing' });
  t.enrich(again);
  assert.equal(again.previousState, undefined, 'sector 1 was forgotten');
  assert.equal(again.miner, undefined);
});

test('parse: a 10 MB line is cut and tagged, the lines around it intact; an unreadable file is one clear line', async () => {
  const dir = tempDir();
  const line = (msg: string) => `2020-06-23T12:02:39.807+0800\tINFO\tsectors\tffsm/fsm.go:196\t${msg}`;
  const file = join(dir, 'big.log');
  writeFileSync(file, [line('before'), line('x'.repeat(10 * 1024 * 1024)), line('Sector 9 update state: Packing ...')].join('\n') + '\n');
  mkdirSync(join(dir, 'a-directory'));
  const res = await runCli(['parse', '--timezone', 'UTC', '--max-line-bytes', '65536', file, join(dir, 'missing.log'), join(dir, 'a-directory')]);
  assert.equal(res.code, 1, 'exit 1: two inputs could not be read');
  const docs = ndjson(res.stdout);
  assert.equal(docs.length, 3);
  assert.deepEqual(docs[1]!.tags, ['truncated']);
  assert.equal(docs[1]!.event.original.length, 65536);
  assert.equal(docs[2]!.event.action, 'sector-state-changed');
  const errors = res.stderr.trim().split('\n');
  assert.equal(errors.length, 2, res.stderr);
  assert.match(errors[0]!, /missing\.log: no such file \[E_INPUT\]/);
  assert.match(errors[1]!, /a-directory: it is a directory, not a file \[E_INPUT\]/);
});

test('parse reads stdin, and gives the same ids as for the file', async () => {
  const text = '2020-06-23T12:02:39.807+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector 9 update state: Packing ...\n';
  const dir = tempDir();
  writeFileSync(join(dir, 'one.log'), text);
  const viaStdin = ndjson((await runCli(['parse', '--host', 'h'], { input: text })).stdout);
  const viaFile = ndjson((await runCli(['parse', '--host', 'h', join(dir, 'one.log')])).stdout);
  assert.equal(viaStdin[0]!.event.id, viaFile[0]!.event.id);
  assert.equal(viaStdin[0]!.log.file.path, '-');
});

test('bad usage exits 2 with one line', async () => {
  const r = await runCli(['parse', '--no-such-flag']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const z = await runCli(['parse', '--timezone', 'Mars/Olympus']);
  assert.equal(z.code, 2);
  assert.match(z.stderr, /unknown time zone "Mars\/Olympus".*E_USAGE/);
});

test('warm-up: a flow resumed at an entry learns its sector context from bytes that start inside a line, fed in any chunk sizes', () => {
  const { text } = sealerLog({ miner: 1005, firstSector: 1, sectors: 3 });
  const bytes = Buffer.from(text);
  const ctx = new FlowContext(loadDefinitions());
  const opts = { host: 'h', zone: new ZoneResolver('Asia/Shanghai') };
  const id = { path: 'sealer.log', fingerprint: 'f' };
  const whole = new StreamFlow(ctx, id, opts);
  const all = [...whole.push(bytes).events, ...whole.end().events];
  // Resume at the second sector's PreCommit2 state change; its sector's earlier lines lie in the warm-up.
  const at = all.find((e) => e.sector === 2 && e.state === 'PreCommit2')!;
  const expected = all.filter((e) => e.offset >= at.offset);
  for (const [from, chunk] of [[0, 65536], [at.offset - 1000, 7], [at.offset - 1000, 333]] as const) {
    assert.notEqual(bytes[from - 1], 10, 'starts inside a line');
    const resumed = new StreamFlow(ctx, id, { ...opts, startOffset: at.offset });
    resumed.beginWarmUp(from);
    for (let i = from; i < at.offset; i += chunk) resumed.warmUp(bytes.subarray(i, Math.min(i + chunk, at.offset)));
    resumed.endWarmUp();
    const got = [...resumed.push(bytes.subarray(at.offset)).events, ...resumed.end().events];
    assert.deepEqual(got, expected, `warm-up from ${from} in chunks of ${chunk}`);
    assert.equal(got[0]!.previousState, 'PreCommit1');
  }
  const cold = new StreamFlow(ctx, id, { ...opts, startOffset: at.offset });
  assert.equal(cold.push(bytes.subarray(at.offset)).events[0]!.previousState, undefined, 'without a warm-up there is no context');
});
