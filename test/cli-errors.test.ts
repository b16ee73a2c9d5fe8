/**
 * The operator's mistakes, through the real CLI and without Elasticsearch:
 * each is one line on stderr naming what, where and what to do, exit 2, and
 * nothing starts. Where a mistake could start a shipper that then waits for
 * ever, the child is killed after a deadline and the test fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO, ndjson, type CliResult } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';
import { SealtrailError, cut, redactSecrets } from '../src/errors.js';
import { redactUrl } from '../src/elasticsearch.js';
import { zoneProblem } from '../src/records/zone.js';
import { Health, type HealthSnapshot } from '../src/tail/health.js';

const dir = tempDir();
const log = join(dir, 'sealer.log');
writeFileSync(log, '2020-06-23T12:02:39.807+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector 9 update state: Packing ...\n');
// Nothing listens on port 1: a command that got as far as Elasticsearch would say E_ES_UNREACHABLE, not a mistake.
const NO_ES = 'http://127.0.0.1:1';

/** The real CLI, killed after `ms` (a mistake that lets `run` start would otherwise wait for ever). */
function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; ms?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...opts.env }, timeout: opts.ms ?? 15_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** One line on stderr matching `re`, ending in `[code]`, and exit 2. */
async function mistake(args: string[], re: RegExp, opts: { env?: NodeJS.ProcessEnv; code?: string } = {}): Promise<string> {
  const res = await cli(args, opts);
  const lines = res.stderr.split('\n').filter((l) => l !== '');
  assert.equal(res.code, 2, `${args.join(' ')}: exit ${res.code}\n${res.stderr}`);
  assert.equal(lines.length, 1, `${args.join(' ')}: one line\n${res.stderr}`);
  assert.match(lines[0]!, re, args.join(' '));
  assert.match(lines[0]!, new RegExp(`^sealtrail: .*\\[${opts.code ?? 'E_USAGE'}\\]$`));
  assert.doesNotMatch(res.stderr, /internal error|\n\s+at /, 'no stack');
  return lines[0]!;
}

test('--es without a scheme, or with another scheme: one line, exit 2, before anything is reached', async () => {
  for (const cmd of [['run', '--path', log], ['run', '--once', '--path', log], ['setup'], ['states'], ['sector', '5'], ['stuck']]) {
    await mistake([...cmd, '--es', 'localhost:9200'], /--es "localhost:9200" is not an http:\/\/ or https:\/\/ URL \(with its scheme: http:\/\/localhost:9200\)/);
    await mistake([...cmd, '--es', 'ftp://127.0.0.1:9200'], /--es "ftp:\/\/127\.0\.0\.1:9200" is not an http/);
  }
  await mistake(['states'], /^sealtrail: ES_URL "127\.0\.0\.1:9200" is not/, { env: { ES_URL: '127.0.0.1:9200' } });
  await mistake(['setup', '--kibana', 'kibana:5601'], /--kibana "kibana:5601" is not/);
});

test('run --format bogus, or format: bogus in the config, exits 2 before starting', async () => {
  const line = await mistake(['run', '--path', log, '--format', 'bogus', '--es', NO_ES], /unknown --format "bogus"/);
  assert.match(line, /known: lotus, filcrypto, venus/);
  const config = join(dir, 'format.yaml');
  writeFileSync(config, `inputs:\n  - paths: [${log}]\n    format: bogus\n`);
  await mistake(['run', '--config', config, '--es', NO_ES], /format\.yaml: inputs\[0\]\.format: unknown format "bogus" \(known: auto, lotus/, { code: 'E_CONFIG' });
  // Known formats (a pipeline's name or dataset) still start: here they reach for Elasticsearch.
  const ok = await cli(['run', '--once', '--path', log, '--format', 'lotus', '--es', NO_ES]);
  assert.match(ok.stderr, /E_ES_UNREACHABLE/);
});

test('unknown keys at any depth name their path and the nearest valid key; credentials in the config are refused', async () => {
  const cases: [string, RegExp][] = [
    [`inputs: [{paths: [${log}], timzone: Asia/Shanghai}]`, /unknown key inputs\[0\]\.timzone \(did you mean inputs\[0\]\.timezone\?\)/],
    [`inputs:\n  - paths: [${log}]\n  - paths: [${log}]\n    hots: h1\n`, /unknown key inputs\[1\]\.hots \(did you mean inputs\[1\]\.host\?\)/],
    [`elasticsearch: {urls: http://127.0.0.1:9200}\ninputs: [{paths: [${log}]}]`, /unknown key elasticsearch\.urls \(did you mean elasticsearch\.url\?\)/],
    [`elasticsearch: {url: http://127.0.0.1:9200, api_key: abc}\ninputs: [{paths: [${log}]}]`, /elasticsearch\.api_key: credentials are never read from the config file \(.*ES_API_KEY.*ES_PASSWORD/],
    [`elasticsearch: {password: abc}\ninputs: [{paths: [${log}]}]`, /elasticsearch\.password: credentials are never read/],
    [`dead_leter: x\ninputs: [{paths: [${log}]}]`, /unknown key dead_leter \(did you mean dead_letter\?\)/],
    [`inputs: [{paths: [${log}], zzzzzzzz: 1}]`, /unknown key inputs\[0\]\.zzzzzzzz \(known: paths, format, timezone/],
  ];
  for (const [text, re] of cases) {
    const config = join(dir, 'keys.yaml');
    writeFileSync(config, text);
    await mistake(['run', '--config', config, '--es', NO_ES], re, { code: 'E_CONFIG' });
  }
});

test('every configuration mistake exits 2: invalid, empty, not a mapping, a bad zone, a bad value', async () => {
  const cases: [string, RegExp][] = [
    ['', /: is empty/],
    ['inputs: [\n', /: cannot read: .*[^:] \(see examples/],
    ['- a\n- b\n', /: must be a mapping/],
    [`inputs: [{paths: [${log}], timezone: Mars/Olympus}]`, /inputs\[0\]\.timezone: unknown time zone "Mars\/Olympus"/],
    [`inputs: [{paths: [${log}], timezone: CST}]`, /inputs\[0\]\.timezone: time zone "CST" is an abbreviation.*Asia\/Shanghai or America\/Chicago/],
    [`status_interval: -1\ninputs: [{paths: [${log}]}]`, /status_interval must be/],
    ['inputs: []', /inputs must list at least one input/],
  ];
  for (const [text, re] of cases) {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, text);
    await mistake(['run', '--config', config, '--es', NO_ES], re, { code: 'E_CONFIG' });
  }
  await mistake(['run', '--config', join(dir, 'missing.yaml')], /config file .*missing\.yaml not found/);
  assert.equal(new SealtrailError('E_CONFIG', 'x').exitCode, 2);
  assert.equal(new SealtrailError('E_ES_UNREACHABLE', 'x').exitCode, 1);
  assert.equal(new SealtrailError('E_DEAD_LETTER', 'x').exitCode, 1);
});

test('time zones: abbreviations refused with the IANA names to use; UTC, GMT and IANA names taken', async () => {
  const line = await mistake(['parse', '--timezone', 'CST'], /--timezone: time zone "CST" is an abbreviation/);
  assert.match(line, /Asia\/Shanghai or America\/Chicago/);
  await mistake(['run', '--path', log, '--timezone', 'IST', '--es', NO_ES], /"IST".*Asia\/Kolkata/);
  await mistake(['states', '--timezone', 'est', '--es', NO_ES], /"est".*America\/New_York/);
  await mistake(['stuck', '--timezone', 'PDT', '--es', NO_ES], /"PDT".*America\/Los_Angeles/);
  for (const name of ['CST', 'IST', 'EST', 'PST', 'BST', 'CET', 'JST', 'HST', 'MST', 'cst']) assert.ok(zoneProblem(name), name);
  for (const name of ['UTC', 'GMT', 'Etc/UTC', 'Z', 'Asia/Shanghai', 'America/Chicago', 'EST5EDT', 'Etc/GMT-8', 'PRC', 'Japan']) {
    assert.equal(zoneProblem(name), undefined, name);
  }
  // A fil_logger line carries no zone: read in the zone given.
  const line2 = '2020-06-27T19:21:33.205 INFO filcrypto::proofs::api > seal_pre_commit_phase1: start\n';
  const at = async (zone: string) => ndjson((await cli(['parse', '--timezone', zone], { input: line2 })).stdout)[0]!['@timestamp'];
  assert.equal(await at('GMT'), '2020-06-27T19:21:33.205Z');
  assert.equal(await at('Asia/Shanghai'), '2020-06-27T11:21:33.205Z');
});

test('an invalid TZ is said once and UTC is used; an ambiguous TZ is refused', async () => {
  const line = '2020-06-27T19:21:33.205 INFO filcrypto::proofs::api > seal_pre_commit_phase1: start\n';
  const res = await cli(['parse'], { env: { TZ: 'Mars/Olympus' }, input: line + line });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stderr, 'sealtrail: TZ=Mars/Olympus is not a time zone; using UTC (set TZ to an IANA name such as Asia/Shanghai, or give --timezone)\n');
  assert.deepEqual(ndjson(res.stdout).map((d) => d['@timestamp']), ['2020-06-27T19:21:33.205Z', '2020-06-27T19:21:33.205Z']);
  // --timezone given: the machine's zone is not used, so nothing to say.
  const given = await cli(['parse', '--timezone', 'UTC'], { env: { TZ: 'Mars/Olympus' }, input: line });
  assert.equal(given.stderr, '');
  await mistake(['parse'], /TZ=CST: time zone "CST" is an abbreviation.*Asia\/Shanghai.*in TZ or --timezone/, { env: { TZ: 'CST' } });
  const good = await cli(['parse'], { env: { TZ: 'Asia/Shanghai' }, input: line });
  assert.equal(good.stderr, '');
  assert.equal(ndjson(good.stdout)[0]!['@timestamp'], '2020-06-27T11:21:33.205Z');
});

test('negative and out-of-range values: one line, exit 2, before Elasticsearch is asked', async () => {
  await mistake(['stuck', '--older', '-5h', '--es', NO_ES], /^sealtrail: --older -5h: a value cannot start with "-"/);
  await mistake(['run', '--path', log, '--status-interval', '-1', '--es', NO_ES], /--status-interval -1: a value cannot start with "-"/);
  await mistake(['run', '--path', log, '--status-interval=-1', '--es', NO_ES], /--status-interval "-1" is not a number of seconds/);
  await mistake(['stuck', '--older=-5h', '--es', NO_ES], /--older "-5h" is not a duration/);
  await mistake(['stuck', '--older', '99999999d', '--es', NO_ES], /--older "99999999d" is longer than 100 years/);
  await mistake(['post-errors', '--since', '99999999d', '--es', NO_ES], /--since "99999999d" is longer than 100 years/);
  await mistake(['run', '--path', log, '--status-interval', '1e12', '--es', NO_ES], /--status-interval 1e12 is too long/);
  // The longest allowed is still a question Elasticsearch is asked (here: nobody answers).
  const far = await cli(['stuck', '--older', '36500d', '--es', NO_ES]);
  assert.match(far.stderr, /E_ES_UNREACHABLE/);
});

test('run --path on a pipe or /dev/stdin is refused in one line pointing to parse', async () => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const line = await mistake(['run', '--path', fifo, '--es', NO_ES], /path .*fifo is a pipe; run tails regular files/);
  assert.match(line, /sealtrail parse/);
  // The child's stdin is what node gives it: a socket pair.
  await mistake(['run', '--once', '--path', '/dev/stdin', '--es', NO_ES], /path \/dev\/stdin is a (?:pipe|socket); run tails regular files/);
  const config = join(dir, 'fifo.yaml');
  writeFileSync(config, `inputs: [{paths: [${fifo}]}]`);
  await mistake(['run', '--config', config, '--es', NO_ES], /is a pipe/);
});

test('redaction: user-info and the credentials held never appear in a printed line; long values are cut', () => {
  assert.equal(redactUrl('http://elastic:S3cretPW@127.0.0.1:9200/'), 'http://***@127.0.0.1:9200/');
  assert.equal(redactUrl('elastic:S3cretPW@127.0.0.1:9200'), '***@127.0.0.1:9200');
  assert.equal(redactUrl('http://127.0.0.1:9200/a@b'), 'http://127.0.0.1:9200/a@b');
  const saved = process.env.ES_PASSWORD;
  process.env.ES_PASSWORD = 'hunter2-planted';
  try {
    assert.equal(redactSecrets('x https://u:p@h:1 y hunter2-planted z'), 'x https://***@h:1 y *** z');
    assert.equal(new SealtrailError('E_ES_REQUEST', 'reason: hunter2-planted').toLine(), 'sealtrail: reason: *** [E_ES_REQUEST]');
  } finally {
    if (saved === undefined) delete process.env.ES_PASSWORD;
    else process.env.ES_PASSWORD = saved;
  }
  const long = cut('A'.repeat(1 << 20));
  assert.ok(long.length < 400, `cut to ${long.length}`);
  assert.match(long, /… \(1048576 characters\)$/);
  assert.equal(cut('short'), 'short');
});

test('the status line and the metrics show the unread bytes when the shipper reports them', async () => {
  const base: HealthSnapshot = { files: 1, lagBytes: 2048, byAction: new Map([['log', 3]]), events: 3, bytesRead: 10, indexed: 3, retries: 0, deadLettered: 0, inFlightBytes: 0 };
  let snap: HealthSnapshot = { ...base, unreadBytes: 5 * 1048576 };
  const h = new Health(() => snap, () => {});
  assert.match(h.statusLine(), /^status: files=1 lag=2\.0 KiB unread=5\.0 MiB events\/s=/);
  assert.match(await h.prometheus(), /\n# TYPE sealtrail_unread_bytes gauge\nsealtrail_unread_bytes 5242880\n/);
  snap = base;
  assert.doesNotMatch(h.statusLine(), /unread/);
  assert.doesNotMatch(await h.prometheus(), /unread/);
});
