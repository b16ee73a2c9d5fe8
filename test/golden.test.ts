/**
 * Golden tests: every family folder (`<dir>/<family>/pipeline.yaml`, in the
 * bundled pipelines/ and the folders SEALTRAIL_PIPELINES adds) must have
 * samples (`samples/*.log`), a `samples/SOURCES.md`, and for each sample the
 * `*-expected.ndjson` beside it. Each sample goes through the real
 * `sealtrail parse` (a child process, TZ=America/New_York so zone bugs show,
 * `--timezone Asia/Shanghai` for lines without a zone, run from the folder
 * above the pipelines folder so `log.file.path` reads `pipelines/<family>/…`
 * wherever the folder lives) and must give exactly the expected events.
 * `GENERATE=1 npm run golden` rewrites the expected files; review the diff
 * before committing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { pipelineDirs } from '../src/definitions.js';
import { ndjson, runCli, type Doc } from './helpers/repo.js';

const GOLDEN_TZ = 'America/New_York';
const GOLDEN_ARGS = ['--timezone', 'Asia/Shanghai', '--host', 'golden-host'];
/** A command's output (`snapshot: true`) is read only by name, and its time is fixed (not the checkout's mtime). */
const SNAPSHOT_AT = '2024-06-01T12:00:00Z';

interface Family {
  name: string;
  /** The folder the pipelines folder sits in: parse runs there. */
  cwd: string;
  /** `pipelines/<family>` (the pipelines folder's own name), relative to cwd. */
  rel: string;
  snapshot: boolean;
}

const families: Family[] = [];
for (const dir of pipelineDirs()) {
  if (!existsSync(dir)) continue;
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory() && existsSync(join(dir, entry.name, 'pipeline.yaml'))) {
      const snapshot = /^snapshot:\s*true\b/m.test(readFileSync(join(dir, entry.name, 'pipeline.yaml'), 'utf8'));
      families.push({ name: entry.name, cwd: dirname(dir), rel: join(basename(dir), entry.name), snapshot });
    }
  }
}

test('the harness finds the bundled families', () => {
  const names = new Set(families.map((f) => f.name));
  for (const f of ['lotus', 'filcrypto', 'venus']) assert.ok(names.has(f), `no family ${f}`);
});

for (const family of families) {
  const samplesDir = join(family.cwd, family.rel, 'samples');
  const samples = existsSync(samplesDir) ? readdirSync(samplesDir).filter((f) => f.endsWith('.log')).sort() : [];

  test(`family ${family.rel}: has samples, their sources, and an expected file for each`, () => {
    assert.ok(samples.length > 0, `${family.rel}/samples/ holds no *.log: a family needs samples (see pipelines/README.md)`);
    assert.ok(existsSync(join(samplesDir, 'SOURCES.md')), `${family.rel}/samples/SOURCES.md is missing: say which sample lines are real, which built`);
    for (const f of readdirSync(samplesDir).filter((n) => n.endsWith('-expected.ndjson'))) {
      assert.ok(samples.includes(f.replace(/-expected\.ndjson$/, '.log')), `${family.rel}/samples/${f} belongs to no sample`);
    }
  });

  for (const name of samples) {
    const rel = join(family.rel, 'samples', name);
    test(`golden: ${rel}`, async () => {
      const args = family.snapshot ? [...GOLDEN_ARGS, '--format', family.name, '--at', SNAPSHOT_AT] : GOLDEN_ARGS;
      const res = await runCli(['parse', ...args, rel], { env: { TZ: GOLDEN_TZ }, cwd: family.cwd });
      assert.equal(res.code, 0, res.stderr);
      const expectedFile = join(family.cwd, rel.replace(/\.log$/, '-expected.ndjson'));
      if (process.env.GENERATE === '1') {
        writeFileSync(expectedFile, res.stdout);
        return;
      }
      assert.ok(existsSync(expectedFile), `${relative(family.cwd, expectedFile)} is missing: run GENERATE=1 npm run golden`);
      const actual = ndjson(res.stdout);
      const expected = ndjson(readFileSync(expectedFile, 'utf8'));
      for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
        assert.deepEqual(actual[i], expected[i], `${rel}: event ${i + 1} differs`);
      }
      // Nothing lost, nothing doubled: the originals are the input's lines, in order, CRs included.
      const input = readFileSync(join(family.cwd, rel), 'utf8').replace(/\n$/, '').split('\n');
      // (A command's output row may hold several events, `chain list`'s blocks: they share their entry, counted once.)
      const entries = actual.filter((d: Doc, i: number) => i === 0 || d.log?.offset !== actual[i - 1]!.log?.offset);
      const originals = entries.flatMap((d: Doc) => String(d.event.original).split('\n'));
      assert.deepEqual(originals, input, `${rel}: event.original does not cover the input line for line`);
    });
  }
}
