/**
 * Golden tests: every pipelines/<family>/samples/*.log goes through the real
 * `sealtrail parse` (a child process, TZ=America/New_York so zone bugs show,
 * `--timezone Asia/Shanghai` for lines without a zone) and must give exactly
 * the events in the `*-expected.ndjson` beside it. `GENERATE=1 npm run golden`
 * rewrites the expected files; review the diff before committing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO, ndjson, runCli, type Doc } from './helpers/repo.js';

const PIPELINES = join(REPO, 'pipelines');
const GOLDEN_TZ = 'America/New_York';
const GOLDEN_ARGS = ['--timezone', 'Asia/Shanghai', '--host', 'golden-host'];

const samples: string[] = [];
for (const family of readdirSync(PIPELINES, { withFileTypes: true })) {
  const dir = join(PIPELINES, family.name, 'samples');
  if (!family.isDirectory() || !existsSync(dir)) continue;
  for (const f of readdirSync(dir)) if (f.endsWith('.log')) samples.push(join(dir, f));
}

test('there are samples for every family', () => {
  const families = new Set(samples.map((s) => relative(PIPELINES, s).split('/')[0]));
  for (const f of ['lotus', 'filcrypto', 'venus']) assert.ok(families.has(f), `no samples for ${f}`);
});

for (const sample of samples) {
  const rel = relative(REPO, sample);
  test(`golden: ${rel}`, async () => {
    const res = await runCli(['parse', ...GOLDEN_ARGS, rel], { env: { TZ: GOLDEN_TZ } });
    assert.equal(res.code, 0, res.stderr);
    const expectedFile = sample.replace(/\.log$/, '-expected.ndjson');
    if (process.env.GENERATE === '1') {
      writeFileSync(expectedFile, res.stdout);
      return;
    }
    assert.ok(existsSync(expectedFile), `${relative(REPO, expectedFile)} is missing: run GENERATE=1 npm run golden`);
    const actual = ndjson(res.stdout);
    const expected = ndjson(readFileSync(expectedFile, 'utf8'));
    for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
      assert.deepEqual(actual[i], expected[i], `${rel}: event ${i + 1} differs`);
    }
    // Nothing lost, nothing doubled: the originals are the input's lines, in order, CRs included.
    const input = readFileSync(sample, 'utf8').replace(/\n$/, '').split('\n');
    const originals = actual.flatMap((d: Doc) => String(d.event.original).split('\n'));
    assert.deepEqual(originals, input, `${rel}: event.original does not cover the input line for line`);
  });
}
