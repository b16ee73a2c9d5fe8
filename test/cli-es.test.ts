/**
 * The operator's-mistake cases that need Elasticsearch (the real one, from
 * ES_URL): an unwritable dead-letter file has its own code and loses
 * nothing; a 1 MiB value is indexed (keywords have `ignore_above`) and never
 * echoed whole; and `setup` puts a new mapping on the indices there are.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { ndjson, runCli } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';
import { startShipper } from './helpers/tail.js';
import { MAPPINGS_DIR } from '../src/sink/index-templates.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const client = new Client({ node: ES });
const dir = tempDir();
chmodSync(dir, 0o755); // the shipper may run as nobody below

before(async () => {
  assert.equal((await runCli(['setup', '--es', ES])).code, 0);
});
after(() => client.close());

function line(ts: string, sector: number, state: string): string {
  return `${ts}\tINFO\tsectors\tffsm/fsm.go:196\tSector ${sector} update state: ${state} ...\n`;
}

test('an unwritable dead-letter file: its own code and words, exit 1, and the refused document is sent again next time', async () => {
  const month = 'sealtrail-events-2097.05';
  await client.indices.delete({ index: month, ignore_unavailable: true });
  await client.indices.create({ index: month, mappings: { properties: { host: { properties: { name: { type: 'long' } } } } } });
  const file = join(dir, 'refused.log');
  writeFileSync(file, line('2097-05-02T10:00:00.000+0800', 5, 'PreCommit1'));
  chmodSync(file, 0o644);
  const locked = join(dir, 'locked');
  mkdirSync(locked, { mode: 0o555 });
  const deadLetter = join(locked, 'dl.ndjson');
  // Root writes through mode bits: the shipper runs as nobody then, so the refusal is a real EACCES.
  const shipper = startShipper(['run', '--once', '--es', ES, '--host', 'not-a-number', '--path', file, '--dead-letter', deadLetter], { asNobody: true });
  const { code } = await shipper.exited;
  const lines = shipper.stderr().split('\n').filter((l) => l !== '');
  assert.equal(code, 1, shipper.stderr());
  assert.equal(lines.length, 1, shipper.stderr());
  assert.match(
    lines[0]!,
    new RegExp(`^sealtrail: cannot write the dead-letter file ${deadLetter.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(permission denied\\) for 1 document\\(s\\) Elasticsearch refused \\(nothing was lost: .*--dead-letter FILE\\) \\[E_DEAD_LETTER\\]$`),
  );
  assert.doesNotMatch(lines[0]!, /E_ES_UNREACHABLE|cannot talk to/);
  assert.ok(!existsSync(deadLetter));
  // Nothing was lost: with a writable file, the same document is dead-lettered there.
  const good = join(dir, 'dl-good.ndjson');
  const again = await runCli(['run', '--once', '--es', ES, '--host', 'not-a-number', '--path', file, '--dead-letter', good]);
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stdout, /dead-lettered\s+1 \(see /);
  assert.equal(ndjson(readFileSync(good, 'utf8'))[0]!.document.filecoin.sector.number, 5);
  await client.indices.delete({ index: month });
});

test('a 1 MiB state is indexed, not refused, in the events and the sectors index; nothing on stderr echoes it', async () => {
  // Just under --max-line-bytes (1 MiB), so the line is whole and its state is read.
  const huge = 'X'.repeat((1 << 20) - 256);
  const file = join(dir, 'huge.log');
  writeFileSync(file, line('2020-06-23T12:02:39.807+0800', 424242, huge) + line('2020-06-23T12:02:40.807+0800', 424243, 'Packing'));
  const dl = join(dir, 'huge-dl.ndjson');
  const res = await runCli(['run', '--once', '--es', ES, '--host', 'huge-host', '--miner', 'f0424', '--path', file, '--dead-letter', dl]);
  assert.equal(res.code, 0, res.stderr.slice(0, 2000));
  assert.match(res.stdout, /indexed\s+2\n/);
  assert.match(res.stdout, /dead-lettered\s+0\n/);
  assert.ok(res.stderr.length < 2000, `stderr stays short (${res.stderr.length} bytes)`);
  assert.ok(!existsSync(dl));
  await client.indices.refresh({ index: 'sealtrail-*' });
  const sector = await client.get<{ filecoin: { sector: { state: string } } }>({ index: 'sealtrail-sectors', id: '424-424242' });
  assert.equal(sector._source!.filecoin.sector.state.length, huge.length);
  const events = await client.count({ index: 'sealtrail-events', query: { term: { 'host.name': 'huge-host' } } });
  assert.equal(events.count, 2);
});

test('setup: a new template version is put on the indices there are, an index that disagrees keeps its own, and a second setup changes nothing', async () => {
  const current = JSON.parse(readFileSync(join(MAPPINGS_DIR, 'events-template.json'), 'utf8')) as Record<string, any>;
  // The version before ignore_above, as an operator upgrading has it installed.
  const old = JSON.parse(JSON.stringify(current, (k, v: unknown) => (k === 'ignore_above' ? undefined : v))) as Record<string, any>;
  old.version = current.version - 1;
  const oldIndex = 'sealtrail-events-2096.01';
  const odd = 'sealtrail-events-2096.02';
  try {
    await client.indices.delete({ index: [oldIndex, odd], ignore_unavailable: true });
    await client.indices.putIndexTemplate({ name: 'sealtrail-events', ...old });
    await client.indices.create({ index: oldIndex });
    await client.indices.create({ index: odd, mappings: { properties: { host: { properties: { name: { type: 'long' } } } } } });
    const before = await client.indices.getMapping({ index: oldIndex });
    assert.equal((before[oldIndex]!.mappings.properties as any).filecoin.properties.sector.properties.state.ignore_above, undefined);
    const res = await runCli(['setup', '--es', ES]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`\\nupdated\\s+index template sealtrail-events \\(version ${current.version}\\)\\n`));
    assert.match(res.stdout, new RegExp(`\\nupdated\\s+mapping of index ${oldIndex}\\n`));
    assert.match(res.stdout, new RegExp(`\\nunchanged\\s+mapping of index ${odd} \\(kept its own: .*\\)\\n`));
    const mapped = await client.indices.getMapping({ index: oldIndex });
    assert.equal((mapped[oldIndex]!.mappings.properties as any).filecoin.properties.sector.properties.state.ignore_above, 1024);
    const again = await runCli(['setup', '--es', ES]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /^(created|updated)/m);
  } finally {
    await runCli(['setup', '--es', ES]);
    await client.indices.delete({ index: [oldIndex, odd], ignore_unavailable: true });
  }
});

test('every keyword in the mappings has ignore_above (or is not indexed)', () => {
  for (const f of ['events-template.json', 'sectors-template.json']) {
    const keywords: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, any>;
      if (n.type === 'keyword' && n.index !== false) {
        keywords.push(path);
        assert.ok(typeof n.ignore_above === 'number' && n.ignore_above <= 8191, `${f}: ${path} has ignore_above`);
      }
      for (const [k, v] of Object.entries(n)) walk(v, path ? `${path}.${k}` : k);
    };
    walk(JSON.parse(readFileSync(join(MAPPINGS_DIR, f), 'utf8')), '');
    assert.ok(keywords.length >= 5, `${f}: ${keywords.length} keywords`);
  }
});
