#!/usr/bin/env node
/**
 * A dense sealer log: every line names one of --sectors sectors (default 20,000),
 * picked at random (seeded), so a few seconds of backlog touch all of them.
 * Only lotus-force wording already in pipelines/lotus/samples/force-sealer.log:
 * `Sector N update state: X ...` through the sealing states, and
 * `PreCommitPhase1 for sector N start ...` / `... elapsed 9m30.5s` pairs.
 *
 *   node build/scripts/bench/generate-dense.js --out /tmp/dense/sealer.log [--size 128MiB] [--sectors 20000] [--seed 1]
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    size: { type: 'string', default: '128MiB' },
    sectors: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
  },
});
if (!values.out) throw new Error('--out FILE is required');

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(K|M|G|KiB|MiB|GiB|KB|MB|GB)?$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  const unit = (m[2] ?? '').toUpperCase();
  const mult: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 };
  return Math.round(Number(m[1]) * mult[unit]!);
}

const size = parseSize(values.size!);
const nSectors = Number(values.sectors);
let seed = Number(values.seed) >>> 0;
function rnd(): number {
  const a = (seed = (seed + 0x6d2b79f5) | 0);
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// One sector's walk; `start`/`elapsed` are the PreCommitPhase1 task pair.
const STEPS = [
  'Packing', 'PreCommit1', 'start', 'elapsed', 'PreCommit2', 'PreCommitting', 'PreCommitWait',
  'WaitSeed', 'Committing', 'SubmitCommit', 'CommitWait', 'FinalizeSector', 'Proving',
] as const;
const FIRST = 16692481;
const step = new Uint8Array(nSectors);
const pad = (n: number, w: number) => String(n).padStart(w, '0');

async function main(): Promise<void> {
  const out = createWriteStream(values.out!);
  let t = Date.UTC(2024, 4, 1, 2, 0, 0); // 10:00 at +0800
  let written = 0;
  let chunk = '';
  while (written < size) {
    const i = Math.floor(rnd() * nSectors);
    const sector = FIRST + i;
    const what = STEPS[step[i]!]!;
    step[i] = (step[i]! + 1) % STEPS.length;
    t += 1 + Math.floor(rnd() * 3);
    const d = new Date(t + 8 * 3600_000);
    const ts = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}+0800`;
    let line: string;
    if (what === 'start') line = `${ts}\tINFO\tremote-sealer\tremote/sealer.go:408\tPreCommitPhase1 for sector ${sector} start ...\n`;
    else if (what === 'elapsed') line = `${ts}\tINFO\tremote-sealer\tremote/sealer.go:987\tPreCommitPhase1 for sector ${sector} elapsed 9m30.5s\n`;
    else line = `${ts}\tINFO\tsectors\tffsm/fsm.go:196\tSector ${sector} update state: ${what} ...\n`;
    chunk += line;
    written += line.length;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.write(chunk);
  out.end();
  await once(out, 'finish');
  process.stderr.write(`${values.out}: ${written} bytes, ${nSectors} sectors\n`);
}

void main();
