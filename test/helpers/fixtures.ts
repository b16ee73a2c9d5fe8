import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'sealtrail-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const STATES = ['Packing', 'PreCommit1', 'PreCommit2', 'PreCommitting', 'PreCommitWait', 'WaitSeed', 'Committing', 'CommitWait', 'FinalizeSector', 'Proving'];

function stamp(ms: number): string {
  // Local time in +08:00, as the operators' sealer logs write it.
  const d = new Date(ms + 8 * 3600_000).toISOString();
  return d.slice(0, 23) + '+0800';
}

/**
 * A lotus-force style sealer log: `sectors` sectors of `miner`, each walking
 * its states with PC1/PC2 start/elapsed lines and one multi-line error.
 * Returns the text and how many entries (events) it holds.
 */
export function sealerLog(opts: { miner: number; firstSector: number; sectors: number; startMs?: number; padding?: number }): { text: string; entries: number } {
  const lines: string[] = [];
  let entries = 0;
  let t = opts.startMs ?? Date.UTC(2020, 5, 23, 4, 0, 0);
  const line = (logger: string, caller: string, msg: string) => {
    lines.push(`${stamp(t)}\tINFO\t${logger}\t${caller}\t${msg}`);
    entries++;
    t += 37;
  };
  for (let i = 0; i < opts.sectors; i++) {
    const s = opts.firstSector + i;
    line('serverapi', 'serverapi/serverapi.go:231', `NewSectorInfo:{"code":0,"msg":"","data":{"sectorID":${s},"storageNodeID":7,"loc":"nfs/10.10.13.${(i % 3) + 1}"}}`);
    line('sectors', 'ffsm/garbage.go:25', `Pledge {${opts.miner} ${s}}, contains []`);
    for (const state of STATES) {
      line('sectors', 'ffsm/fsm.go:196', `Sector ${s} update state: ${state} ...`);
      if (state === 'PreCommit1' || state === 'PreCommit2') {
        const task = state === 'PreCommit1' ? 'PreCommitPhase1' : 'PreCommitPhase2';
        line('remote-sealer', 'remote/sealer.go:408', `${task} for sector ${s} start ...`);
        t += 1000 * (60 + i);
        line('remote-sealer', 'remote/sealer.go:987', `${task} for sector ${s} elapsed ${60 + i}m0.5s`);
      }
      for (let p = 0; p < (opts.padding ?? 0); p++) line('sectors', 'ffsm/states.go:94', `performing sector replication...\t{"sector": "${s}", "pad": ${p}}`);
    }
    lines.push(`${stamp(t)}\tERROR\tsectors\tffsm/states.go:300\tcommit error for ${s}:\n    github.com/x/y.go:1\n\tCaused by: nothing`);
    entries++;
  }
  return { text: lines.join('\n') + '\n', entries };
}

export function writeFixture(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/**
 * The window-PoSt host's log for the sectors of a sealer log (sealerLog):
 * for each sector a `CheckProvable Sector FAULT` (lotus storage/wdpost_run.go,
 * as in kibana.test.ts) and a failed winning PoSt that could not read the
 * sector's cache (the operators' multi-line error), `rounds` times. Its events
 * name the same sectors as the sealer's, from another host.
 */
export function posterLog(opts: { miner: number; firstSector: number; sectors: number; startMs?: number; rounds?: number }): { text: string; entries: number } {
  const lines: string[] = [];
  let entries = 0;
  let t = (opts.startMs ?? Date.UTC(2020, 5, 23, 4, 0, 0)) + 30_000;
  // Each round is one more check of every sector (a deadline's window PoSt).
  for (let r = 0; r < (opts.rounds ?? 1); r++) for (let i = 0; i < opts.sectors; i++) {
    const s = opts.firstSector + i;
    lines.push(`${stamp(t)}\tWARN\tstorageminer\tstorage/wdpost_run.go:215\tCheckProvable Sector FAULT: sealed sector is not readable\t{"sector": ${s}, "err": "open /mnt/nfs/10.10.13.${(i % 3) + 1}/sealed/s-t0${opts.miner}-${s}: input/output error"}`);
    t += 53;
    lines.push(
      `${stamp(t)}\tERROR\tminer\tminer/miner.go:165\tmining block failed: failed to compute winning post proof:`,
      '    github.com/filecoin-project/lotus/miner.(*Miner).mineOne',
      '        /builds/ForceMining/lotus-force/miner/miner.go:343',
      `  - could not read from path="/mnt/nfs/10.10.13.${(i % 3) + 1}/cache/s-t0${opts.miner}-${s}/p_aux"`,
      '',
      '    Caused by:',
      '        No such file or directory (os error 2)',
    );
    t += 61;
    entries += 2;
  }
  return { text: lines.join('\n') + '\n', entries };
}
