/**
 * `npm run demo` against the real Elasticsearch (ES_URL): it writes a day of
 * logs, ships them with the real `run --once`, tells the four stories with
 * the commands' real output and writes the report, in under a minute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './helpers/repo.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');

test('the demo tells the stories with the commands\' output and writes the report, in under a minute', () => {
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(REPO, 'build/scripts/demo.js')], { cwd: REPO, env: { ...process.env, ES_URL: ES }, encoding: 'utf8', timeout: 120_000 });
  const seconds = (Date.now() - started) / 1000;
  assert.equal(r.status, 0, r.stderr + r.stdout.slice(-3000));
  const out = r.stdout;
  const story = (n: number) => out.split(/\n=+\n {2}\d\. /)[n] ?? '';
  assert.match(story(1), /^Why does sealing stop\? 56 sectors sit in PreCommitWait/);
  assert.match(story(1), /\nPreCommitWait\s+56\n/);
  assert.match(r.stderr, /showing the oldest 10 of 56 stuck sectors/); // the commands' notes go to stderr
  assert.match(story(1), /\ntime in each state[^\n]*\n(?:.*\n)*PreCommitWait(?: ×\d+)?\s+#+\s+1\dh\d+m\d+s\n/);
  assert.match(story(2), /^Power is high but no block is mined/);
  const row = /\n10\.10\.13\.22\s+(\d+)\s+(\d+)\s+ENOENT\s+winning\s+.*\/mnt\/nfs\/10\.10\.13\.22\/cache\/s-t01005-\d+\/p_aux/.exec(story(2));
  assert.ok(row && Number(row[1]) >= 72 && row[2] === '34', story(2)); // 72 rounds a day (more if the demo ran before), on 34 sectors
  assert.doesNotMatch(story(2), /\n10\.10\.13\.(?!22)/, 'the poster reads one storage server only');
  // 90 PC1 on sealer-01 per demo run (a cluster that ran the demo before holds each run's day).
  const pc1 = /\nPC1\s+sealer-01\s+(\d+)\s/.exec(story(3));
  assert.ok(pc1 && Number(pc1[1]) % 90 === 0, story(3));
  assert.match(story(3), /DISTRIBUTION \(0 → MAX, 20 bins\)/);
  assert.match(story(4), /^What did the rebuild of damocles sector 1001-2101 go through\?/);
  assert.match(story(4), /PC2Done → SealedChecked/);
  assert.match(story(4), /Persisted → Finished/);
  const report = /wrote (\S+report\.html) \(7 panels/.exec(out);
  assert.ok(report && existsSync(report[1]!), out.slice(-500));
  assert.match(readFileSync(report[1]!, 'utf8'), /Sector 1005-3040: states and tasks/);
  assert.ok(seconds < 60, `the demo took ${seconds} s`);
});
