/**
 * A family is a folder and nothing else: one built here in a temp dir
 * (pipeline.yaml with its own opener, captures that fill a contract field
 * and two fields of its own, a rule; samples; SOURCES.md) is read by
 * `sealtrail parse` through SEALTRAIL_PIPELINES, checked by the golden
 * harness (which fails it without samples or expected files), and its
 * declared fields are indexed by their declared type (the events template
 * maps `filecoin.*` dynamically). Also here: the pipeline-file mistakes that
 * used to need code (an unknown shape or opener, a field of two types), and
 * a config file's retired `role:`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { loadConfigFile } from '../src/config.js';
import { REPO, ndjson, runCli, type Doc } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';

const root = tempDir('sealtrail-family-');
const pipelines = join(root, 'pipelines');
const family = join(pipelines, 'schedtest');
const samples = join(family, 'samples');
after(() => rmSync(root, { recursive: true, force: true }));

// Lines from pipelines/lotus/samples (see its SOURCES.md): the 2020 runPost
// error with its frames is real (lotus#2335); the SCHED ASSIGNED line is
// built from lotus' sealer/sched_assigner_utilization.go.
const SAMPLE = [
  '2020-07-09T17:03:38.377+0800\tERROR\tstorageminer\tstorage/wdpost_run.go:58\trunPost failed: getting partitions for deadline:',
  '    github.com/filecoin-project/lotus/storage.(*WindowPoStScheduler).runPost',
  '        /home/ps/share/ssd/code/test.0.4.1.community/storage/wdpost_run.go:353',
  '  - invalid deadline index 36 for 36 deadlines',
  '2023-05-10T14:03:17.521+0800\tDEBUG\tadvmgr\tsealer/sched_assigner_utilization.go:149\tSCHED ASSIGNED\t{"assigner": "util", "sqi": 0, "sector": "4012", "task": "seal/v0/precommit/1", "window": 3, "worker": "3c1f8a1e-6c5c-4f0e-9f6a-9a0b7d6c2e11", "utilization": 0.42}',
].join('\n') + '\n';

const PIPELINE = `# A test family: lotus' scheduler and PoSt lines, read before the lotus family.
dataset: sealtrail.schedtest
priority: 5
shapes: [zap-console]
entries:
  opens: [{ regex: '^\\d{4}-\\d\\d-\\d\\dT' }]
captures:
  assigner: { field: filecoin.scheduler.assigner, type: keyword }
  sched_window: { field: filecoin.scheduler.window, type: long }
  reason: { field: error.message }
rules:
  - name: task assigned
    action: task-started
    prefix: "SCHED ASSIGNED"
    fields: { sector: sector, task: task, assigner: assigner, sched_window: window }
  - name: post failed
    action: post-failed
    prefix: "runPost failed: "
    regex: '^runPost failed: (?<reason>[\\s\\S]*)'
    set: { filecoin.post.type: window }
`;

function writeFamily(): void {
  mkdirSync(samples, { recursive: true });
  writeFileSync(join(family, 'pipeline.yaml'), PIPELINE);
  writeFileSync(join(samples, 'sched.log'), SAMPLE);
  writeFileSync(join(samples, 'SOURCES.md'), '# Sources\n\nCopied from pipelines/lotus/samples (see its SOURCES.md).\n');
}
writeFamily();
const env = { SEALTRAIL_PIPELINES: pipelines, TZ: 'America/New_York' };
const PARSE = ['parse', '--timezone', 'Asia/Shanghai', '--host', 'family-host'];

function checkEvents(docs: Doc[]): void {
  assert.equal(docs.length, 2, 'the folder\'s opener joins the frames to their entry');
  const [post, sched] = docs as [Doc, Doc];
  assert.equal(post.event.dataset, 'sealtrail.schedtest');
  assert.equal(post.event.action, 'post-failed');
  assert.equal(post.filecoin.post.type, 'window');
  assert.match(post.error.message, /^getting partitions for deadline:\n {4}github.com[\s\S]*invalid deadline index 36 for 36 deadlines$/);
  assert.equal(sched.event.action, 'task-started');
  assert.equal(sched.filecoin.sector.number, 4012);
  assert.equal(sched.filecoin.task.type, 'PC1');
  assert.deepEqual(sched.filecoin.scheduler, { assigner: 'util', window: 3 });
  // Declared fields take their place after the contract's in the same object.
  assert.deepEqual(Object.keys(sched.filecoin), ['sector', 'task', 'scheduler']);
}

test('parse picks up a family folder from SEALTRAIL_PIPELINES, by detection and by --format', async () => {
  const file = join(samples, 'sched.log');
  const auto = await runCli([...PARSE, file], { env });
  assert.equal(auto.code, 0, auto.stderr);
  checkEvents(ndjson(auto.stdout));
  const named = await runCli([...PARSE, '--format', 'schedtest', file], { env });
  assert.equal(named.code, 0, named.stderr);
  checkEvents(ndjson(named.stdout));
  // Without the folder the same lines are the lotus family's, and nothing fills filecoin.scheduler.
  const bundled = ndjson((await runCli([...PARSE, file], { env: { TZ: 'America/New_York', SEALTRAIL_PIPELINES: '' } })).stdout);
  assert.deepEqual(bundled.map((d) => d.event.dataset), ['sealtrail.lotus', 'sealtrail.lotus']);
  assert.equal(bundled[1]!.filecoin.scheduler, undefined);
});

function golden(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--test', '--test-name-pattern=schedtest', join(REPO, 'build/test/golden.test.js')], {
      cwd: REPO,
      // Not NODE_TEST_CONTEXT: the harness runs as a test run of its own, not as part of this one.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

test('the golden harness finds the folder: generates, passes, and fails it without expected files or samples', async () => {
  const expected = join(samples, 'sched-expected.ndjson');
  const missing = await golden();
  assert.notEqual(missing.code, 0);
  assert.match(missing.out, /not ok .* golden: pipelines\/schedtest\/samples\/sched\.log/);
  assert.match(missing.out, /sched-expected\.ndjson is missing/);

  const generated = await golden({ GENERATE: '1' });
  assert.equal(generated.code, 0, generated.out);
  checkEvents(ndjson(readFileSync(expected, 'utf8')));
  // log.file.path is relative to the folder above the pipelines folder: the files travel with the family.
  assert.equal(ndjson(readFileSync(expected, 'utf8'))[0]!.log.file.path, 'pipelines/schedtest/samples/sched.log');

  const pass = await golden();
  assert.equal(pass.code, 0, pass.out);
  assert.match(pass.out, /^ok .* - golden: pipelines\/schedtest\/samples\/sched\.log$/m);
  assert.match(pass.out, /^ok .* - family pipelines\/schedtest: has samples/m);

  writeFileSync(join(samples, 'sched.log'), SAMPLE.replace('"window": 3', '"window": 4'));
  const changed = await golden();
  assert.notEqual(changed.code, 0, 'a sample whose output moved fails');

  rmSync(join(samples, 'sched.log'));
  const empty = await golden();
  assert.notEqual(empty.code, 0);
  assert.match(empty.out, /holds no \*\.log: a family needs samples/);

  writeFamily();
  writeFileSync(join(samples, 'gone-expected.ndjson'), '');
  const orphan = await golden();
  assert.notEqual(orphan.code, 0);
  assert.match(orphan.out, /gone-expected\.ndjson belongs to no sample/);
  rmSync(join(samples, 'gone-expected.ndjson'));
  rmSync(expected);
});

test('pipeline-file mistakes name the file: an unknown shape, an unknown opener, one field of two types', async () => {
  const bad = join(root, 'bad', 'pipelines');
  const write = (name: string, yaml: string) => {
    mkdirSync(join(bad, name), { recursive: true });
    writeFileSync(join(bad, name, 'pipeline.yaml'), yaml);
  };
  const head = 'dataset: sealtrail.bad\nshapes: [zap-console]\nentries: { opens: [date] }\n';
  const cases: [string, RegExp][] = [
    [head.replace('zap-console', 'zap-consol'), /bad\/pipeline\.yaml: unknown shape "zap-consol"; known: zap-console, zap-json, rust-log, rust-tracing/],
    [head.replace('[date]', '[dates]'), /bad\/pipeline\.yaml: entries\.opens: unknown opener "dates"; known: date, json-object/],
    [head.replace('entries: { opens: [date] }\n', ''), /bad\/pipeline\.yaml: needs "entries: \{ opens: \[\.\.\.\] \}"/],
    [head + 'captures:\n  n: { field: filecoin.sector.number, type: keyword }\n', /captures\.n: filecoin\.sector\.number is a long, not a keyword/],
    [head + 'captures:\n  n: { field: filecoin.sector, type: keyword }\n', /captures\.n: filecoin\.sector and the field filecoin\.sector\.number cannot both exist/],
    [head + 'captures:\n  n: { field: worker.name }\n', /captures\.n: a new field is named filecoin\./],
  ];
  for (const [yaml, message] of cases) {
    rmSync(join(root, 'bad'), { recursive: true, force: true });
    write('bad', yaml);
    const res = await runCli(['parse'], { env: { SEALTRAIL_PIPELINES: bad }, input: '' });
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, message);
    assert.match(res.stderr, /\[E_CONFIG\]/);
  }
  rmSync(join(root, 'bad'), { recursive: true, force: true });
  write('one', head.replace('sealtrail.bad', 'sealtrail.one') + 'captures:\n  w: { field: filecoin.worker.slots, type: long }\n');
  write('two', head.replace('sealtrail.bad', 'sealtrail.two') + 'captures:\n  w: { field: filecoin.worker.slots, type: keyword }\n');
  const res = await runCli(['parse'], { env: { SEALTRAIL_PIPELINES: bad }, input: '' });
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /two\/pipeline\.yaml: captures\.w: filecoin\.worker\.slots is declared a long by another family/);
});

test('a config file\'s role: is read with a warning and changes nothing', () => {
  const file = join(root, 'old.yaml');
  writeFileSync(file, 'inputs:\n  - paths: [/var/log/lotus/sealer.log]\n    role: sealer\n');
  const warnings: string[] = [];
  const config = loadConfigFile(file, { warn: (l) => warnings.push(l) });
  assert.deepEqual(warnings, [`${file}: inputs[0].role is ignored (it never changed how lines are read); remove it`]);
  assert.equal('role' in config.inputs[0]!, false);
  writeFileSync(file, 'inputs:\n  - paths: [/var/log/lotus/sealer.log]\n');
  loadConfigFile(file, { warn: (l) => warnings.push(l) });
  assert.equal(warnings.length, 1);
});

test('a family\'s declared fields are indexed by their declared type', async () => {
  const ES = process.env.ES_URL;
  if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
  const client = new Client({ node: ES });
  try {
    assert.equal((await runCli(['setup', '--es', ES])).code, 0);
    const log = join(root, 'ship.log');
    // Far from other tests' months: the indices are this test's own.
    writeFileSync(log, SAMPLE.replace('2020-07-09', '2093-07-09').replace('2023-05-10', '2093-07-10'));
    const host = `family-${process.pid}`;
    const res = await runCli(['run', '--once', '--es', ES, '--host', host, '--timezone', 'Asia/Shanghai', '--path', log, '--dead-letter', join(root, 'dl.ndjson')], { env });
    assert.equal(res.code, 0, res.stderr);
    assert.ok(!existsSync(join(root, 'dl.ndjson')), 'nothing refused');
    await client.indices.refresh({ index: 'sealtrail-events-2093.07' });
    const mapping = await client.indices.getFieldMapping({ index: 'sealtrail-events-2093.07', fields: 'filecoin.scheduler.*' });
    const fields = mapping['sealtrail-events-2093.07']!.mappings as Record<string, { mapping: Record<string, { type: string }> }>;
    assert.equal(fields['filecoin.scheduler.assigner']!.mapping.assigner!.type, 'keyword');
    assert.equal(fields['filecoin.scheduler.window']!.mapping.window!.type, 'long');
    const hits = await client.search({ index: 'sealtrail-events', query: { bool: { filter: [{ term: { 'host.name': host } }, { term: { 'filecoin.scheduler.assigner': 'util' } }, { range: { 'filecoin.scheduler.window': { gte: 3 } } }] } } });
    assert.equal((hits.hits.total as { value: number }).value, 1);
  } finally {
    await client.indices.delete({ index: 'sealtrail-events-2093.07', ignore_unavailable: true });
    await client.close();
  }
});
