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
