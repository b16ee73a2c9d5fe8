import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from './helpers/repo.js';
import { sealerLog, tempDir } from './helpers/fixtures.js';

test('parse into a pipe waits for drain without piling up listeners (no MaxListenersExceededWarning)', async () => {
  const dir = tempDir();
  const file = join(dir, 'sealer.log');
  // Enough read chunks that more than ten writes find the pipe full.
  const log = sealerLog({ miner: 1000, firstSector: 1, sectors: 600, padding: 20 });
  writeFileSync(file, log.text);
  const child = spawn(process.execPath, [CLI, 'parse', '--host', 'h', '--timezone', 'UTC', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let lines = 0;
  child.stdout.pause();
  await new Promise((r) => setTimeout(r, 500)); // the pipe fills while nobody reads
  child.stdout.on('data', (b: Buffer) => {
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++;
  });
  child.stdout.resume();
  const code = await new Promise((r) => child.on('close', r));
  assert.equal(code, 0, stderr);
  assert.equal(lines, log.entries);
  assert.doesNotMatch(stderr, /MaxListenersExceededWarning/);
});

test('the byte writer writes exactly what JSON.stringify and UTF-8 encoding give', async () => {
  const { JsonOut, str, utf8, num, worst } = await import('../src/documents/json-out.js');
  const samples = [
    '',
    'plain ascii',
    'tab\there "quoted" back\\slash',
    'controls \u0000\u0001\u0008\u000b\u000c\u000e\u001f\u007f end',
    'crlf\r\nnewline',
    '扇区 12 更新状态 "中文"\t后',
    'emoji 😀 and \u2028\u2029 separators',
    'lone \ud800 high and \udc00 low',
    '\ufeffBOM first',
    'é'.repeat(300) + '\t"',
  ];
  for (const s of samples) {
    const o = new JsonOut(16);
    o.room(worst(s.length));
    o.pos = str(o.buf, o.pos, s);
    assert.equal(o.buf.toString('utf8', 0, o.pos), JSON.stringify(s), `str ${JSON.stringify(s)}`);
    const bytes = Buffer.from(s, 'utf8');
    const p = utf8(o.buf, 0, bytes);
    // Lone surrogates do not survive UTF-8 encoding: compare with what the decoded bytes give.
    assert.equal(o.buf.toString('utf8', 0, p), JSON.stringify(bytes.toString('utf8')), `utf8 ${JSON.stringify(s)}`);
  }
  // Invalid UTF-8 is left to the decoded string (U+FFFD), wherever the bad byte is.
  for (const bad of [Buffer.from([0x61, 0x09, 0xff, 0x62]), Buffer.from([0xc3]), Buffer.from([0x09, 0xed, 0xa0, 0x80]), Buffer.from('x'.repeat(40) + '\u00e9').subarray(0, 41)]) {
    const o = new JsonOut(64);
    o.room(worst(bad.length));
    assert.equal(utf8(o.buf, 0, bad), -1, bad.toString('hex'));
  }
  for (const v of [0, 7, 10, 99, 100, 99999999, 100000000, 100000001, 2147483647, 2147483648, 16692481, 570020676518, 999999999999999, 1e15, 1e15 + 1, -1, -0, 1.5, 1e21, NaN]) {
    const o = new JsonOut(64);
    o.pos = num(o.buf, 0, v);
    assert.equal(o.buf.toString('utf8', 0, o.pos), String(v));
  }
});

test('parse: event.original of invalid UTF-8 becomes U+FFFD, valid bytes round-trip, documents as before', async () => {
  const dir = tempDir();
  const file = join(dir, 'mixed.log');
  const lines = [
    Buffer.from('2020-06-23T12:00:00.000+0800\tINFO\tsectors\tstorage-sealing/states.go:1\tplain "quoted" line\n'),
    Buffer.concat([Buffer.from('2020-06-23T12:00:01.000+0800\tWARN\tsectors\tstorage-sealing/states.go:2\tbad '), Buffer.from([0xff, 0xfe]), Buffer.from(' bytes\n')]),
    Buffer.from('2020-06-23T12:00:02.000+0800\tINFO\tsectors\tstorage-sealing/states.go:3\t扇区 更新\r\n'),
    Buffer.from('2020-06-23T12:00:03.000+0800\tERROR\tsectors\tstorage-sealing/states.go:4\tfailed:\n\tframe one \\ back\n\tframe two\n'),
  ];
  writeFileSync(file, Buffer.concat(lines));
  const child = spawn(process.execPath, [CLI, 'parse', '--host', 'h', '--timezone', 'UTC', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => chunks.push(b));
  assert.equal(await new Promise((r) => child.on('close', r)), 0);
  const docs = Buffer.concat(chunks).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: { original: string } });
  assert.equal(docs.length, 4);
  const expected = lines.map((b) => b.toString('utf8').replace(/\n$/, ''));
  assert.deepEqual(docs.map((d) => d.event.original), expected);
  assert.match(docs[1]!.event.original, /bad \ufffd\ufffd bytes/);
});
