/**
 * The demo's logs: a small cluster's last day, written with the real line
 * shapes and wording of each family (scripts/demo/SOURCES.md says where each
 * comes from), dated so that the day ends now:
 *
 * - sealer-01 (lotus-force sealer, miner t01005): 34 sectors through every
 *   phase in the first half of the day; then the chain stalls: every sector
 *   that precommits waits in PreCommitWait for a message that never lands,
 *   and after them no new sector starts: 56 pile up (the first seed).
 * - poster-01 (lotus-force miner + filcrypto): a winning PoSt every 20 min,
 *   each failing to read /mnt/nfs/10.10.13.22/…/p_aux: /mnt is mounted from
 *   the wrong storage server (the first seed's second story).
 * - damocles-01 (damocles-worker, miner 1001): sectors sealed by the sealer
 *   planner, and one sector rebuilt by a thread whose plan is `rebuild`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MINER = 1005;
export const DAMOCLES_MINER = 1001;
export const STUCK = 56;
export const DONE = 34;
export const FIRST_SECTOR = 3000;
export const REBUILT_SECTOR = 2101;
export const DAY_MS = 86_400_000;

const H = 3_600_000;
const M = 60_000;

/** `2026-12-01T12:02:39.807+0800`: lotus' local time in +08:00. */
function lotusTime(ms: number): string {
  return new Date(ms + 8 * H).toISOString().slice(0, 23) + '+0800';
}
/** filcrypto's (fil_logger) local time without a zone. */
function rustTime(ms: number): string {
  return new Date(ms + 8 * H).toISOString().slice(0, 23);
}
/** tracing-subscriber's RFC 3339 with nanoseconds. */
function tracingTime(ms: number): string {
  return new Date(ms + 8 * H).toISOString().slice(0, 23) + '000000+08:00';
}
/** Go's time.Duration text: 9m30.020676518s. */
function goDuration(ms: number): string {
  const m = Math.floor(ms / M);
  const s = ((ms % M) / 1000).toFixed(9).replace(/\.?0+$/, '');
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}
const CID = 'bafy2bzaceavs77ywwdpbjjulyggvmnhzinvplxgsdeyhtahxgoa4fdwttpk4q';

class Log {
  lines: [number, string][] = [];
  add(ms: number, text: string): void {
    this.lines.push([ms, text]);
  }
  text(): string {
    return this.lines.sort((a, b) => a[0] - b[0]).map(([, l]) => l + '\n').join('');
  }
}

function sealer(nowMs: number): Log {
  const log = new Log();
  const start = nowMs - DAY_MS;
  const stall = nowMs - 10 * H; // the last stuck sector precommits just before
  const l = (ms: number, logger: string, caller: string, msg: string) => log.add(ms, `${lotusTime(ms)}\tINFO\t${logger}\t${caller}\t${msg}`);
  const state = (ms: number, s: number, st: string) => l(ms, 'sectors', 'ffsm/fsm.go:196', `Sector ${s} update state: ${st} ...`);
  const elapsed = (ms: number, task: string, s: number, d: number) => l(ms, 'remote-sealer', 'remote/sealer.go:987', `${task} for sector ${s} elapsed ${goDuration(d)}`);
  for (let i = 0; i < DONE + STUCK; i++) {
    const s = FIRST_SECTOR + i;
    const stuck = i >= DONE;
    // The finished ones start through the first 12 h; the stuck ones just before the stall.
    let t = stuck ? stall - 3 * H + (i - DONE) * 3 * M : start + i * 20 * M;
    l(t, 'serverapi', 'serverapi/serverapi.go:231', `NewSectorInfo:{"code":0,"msg":"","data":{"sectorID":${s},"storageNodeID":71,"loc":"nfs/10.10.13.${1 + (i % 3)}"}}`);
    l(t + 1, 'remote-sealer', 'remote/sealer.go:279', `generate new sector {${s}} ...`);
    l(t + 14, 'sectors', 'ffsm/garbage.go:25', `Pledge {${MINER} ${s}}, contains []`);
    l(t + 14, 'sectors', 'ffsm/sealing.go:159', `Start sealing ${s}`);
    state(t + 17, s, 'Packing');
    l(t + 23, 'sectors', 'ffsm/states.go:19', `performing filling up rest of the sector...\t{"sector": "${s}"}`);
    t += 23;
    state(t, s, 'PreCommit1');
    l(t + 7, 'sectors', 'ffsm/states.go:94', `performing sector replication...\t{"sector": "${s}"}`);
    l(t + 21, 'remote-sealer', 'remote/sealer.go:408', `PreCommitPhase1 for sector ${s} start ...`);
    const pc1 = (9 * M + 20_000 + ((i * 7919) % 90_000)) * (i % 3 === 2 ? 1.4 : 1);
    t += 21 + pc1;
    elapsed(t, 'PreCommitPhase1', s, pc1);
    state(t, s, 'PreCommit2');
    l(t + 23, 'remote-sealer', 'remote/sealer.go:528', `PreCommitPhase2 for sector ${s} start ...`);
    const pc2 = 2 * M + ((i * 104729) % 20_000);
    t += 23 + pc2;
    elapsed(t, 'PreCommitPhase2', s, pc2);
    state(t, s, 'PreCommitting');
    l(t + 52, 'sectors', 'ffsm/states.go:182', `submitting precommit for sector: ${s}`);
    l(t + 82, 'sectors', 'ffsm/states.go:188', `PreCommitSector msg for sector ${s}: ${CID}`);
    t += 82;
    state(t, s, 'PreCommitWait');
    l(t + 9, 'sectors', 'ffsm/states.go:195', `Sector precommitted: ${s}`);
    if (stuck) continue; // the message never lands: the chain is not in sync
    t += 2 * M + 38_000;
    l(t, 'sectors', 'ffsm/states.go:201', `wait PreCommitSector msg for sector ${s}: ${CID}`);
    l(t, 'sectors', 'ffsm/states.go:208', `precommit message landed on chain: ${s}`);
    state(t, s, 'WaitSeed');
    t += 4 * M + 10_000;
    state(t, s, 'Committing');
    l(t + 56, 'remote-sealer', 'remote/sealer.go:617', `CommitPhase1 for sector ${s} start ...`);
    const c1 = 700 + (i % 5) * 30;
    t += 56 + c1;
    elapsed(t, 'CommitPhase1', s, c1);
    t += 8 * M;
    state(t, s, 'CommitWait');
    t += 3 * M;
    state(t, s, 'FinalizeSector');
    t += 40_000;
    state(t, s, 'Proving');
  }
  return log;
}

/** The seed's failing winning PoSt block (pipelines/lotus/samples/force-poster-winning-post.log), once per round. */
function poster(nowMs: number, repo: string): Log {
  const log = new Log();
  const block = readFileSync(join(repo, 'pipelines/lotus/samples/force-poster-winning-post.log'), 'utf8').split('\n');
  const errorEnd = block.findIndex((line, i) => i > 2 && /^\d{4}-/.test(line));
  const lines = block.slice(0, errorEnd < 0 ? block.length : errorEnd).filter((x, i, a) => x !== '' || i < a.length - 1);
  for (let t = nowMs - DAY_MS + 7 * M, n = 0; t < nowMs; t += 20 * M, n++) {
    const sector = FIRST_SECTOR + (n % DONE);
    const text = lines
      .map((x, i) => (i === 0 ? x.replace(/^\S+/, rustTime(t)) : i === 1 ? x.replace(/^\S+/, rustTime(t + 2)) : i === 2 ? x.replace(/^\S+/, lotusTime(t + 2)) : x))
      .join('\n')
      .replace(/s-t01005-524/g, `s-t0${MINER}-${sector}`);
    log.add(t, text.trimEnd());
  }
  return log;
}

function damocles(nowMs: number): Log {
  const log = new Log();
  const seal = (ms: number, thread: number, name: string, s: number | null, event: string | null, handle: string | null, target: string, msg: string, level = 'DEBUG') =>
    log.add(
      ms,
      `${tracingTime(ms)} ${level.padStart(5)} ThreadId(${thread}) module{name="${name}"}:seal{miner=${s === null ? 'None' : `Some(${DAMOCLES_MINER})`} sector=${s === null ? 'None' : `Some(${s})`} event=${event === null ? 'None' : `Some(${event})`}}${handle ? `:handle{${handle}}` : ''}: ${target}: ${msg}`,
    );
  const COMMON = 'damocles_worker::sealing::sealing_thread::planner::common';
  const steps = (t0: number, thread: number, name: string, s: number, plan: [event: string, prev: string, current: string, task?: [start: string, finish: string, ms: number]][]) => {
    let t = t0;
    for (const [event, prev, current, task] of plan) {
      const handle = `prev=${prev} current=${current}`;
      seal(t, thread, name, s, event, handle, COMMON, 'handling');
      if (task) {
        seal(t + 30, thread, name, s, event, handle, task[0].startsWith('seal_') ? 'filecoin_proofs::api::seal' : 'filecoin_proofs::api', task[0], 'INFO');
        t += task[2];
        seal(t, thread, name, s, event, handle, task[1].startsWith('seal_') ? 'filecoin_proofs::api::seal' : 'filecoin_proofs::api', task[1], 'INFO');
      }
      t += 50_000;
    }
  };
  for (let i = 0; i < 8; i++) {
    const s = 2000 + i;
    steps(nowMs - 20 * H + i * 90 * M, 23, 'worker-0', s, [
      ['Allocate', 'Empty', 'Allocated'],
      ['AcquireDeals', 'Allocated', 'DealsAcquired'],
      ['AddPiece', 'DealsAcquired', 'PieceAdded', ['add_piece:start', 'add_piece:finish', 3 * M + 31_000]],
      ['AssignTicket', 'TreeDBuilt', 'TicketAssigned', [`seal_pre_commit_phase1:start: SectorId(${s})`, `seal_pre_commit_phase1:finish: SectorId(${s})`, 3 * H + 34 * M + (i % 3) * 9 * M]],
      ['PC1', 'TicketAssigned', 'PC1Done', ['seal_pre_commit_phase2:start', 'seal_pre_commit_phase2:finish', 2 * M + 51_000]],
      ['PC2', 'PC1Done', 'PC2Done'],
      ['SubmitPC', 'PC2Done', 'PCSubmitted'],
      ['CheckPC', 'PCSubmitted', 'PCLanded'],
      // The rest of the sealer planner (damocles-worker planner/sealer.rs).
      ['Persist', 'PCLanded', 'Persisted'],
      ['SubmitPersistance', 'Persisted', 'PersistanceSubmitted'],
      ['AssignSeed', 'PersistanceSubmitted', 'SeedAssigned'],
      ['C1', 'SeedAssigned', 'C1Done', [`seal_commit_phase1:start: SectorId(${s})`, `seal_commit_phase1:finish: SectorId(${s})`, 714 + i * 20]],
      ['C2', 'C1Done', 'C2Done', [`seal_commit_phase2:start: SectorId(${s})`, `seal_commit_phase2:finish: SectorId(${s})`, 7 * M + 42_000 + i * 1500]],
      ['SubmitProof', 'C2Done', 'ProofSubmitted'],
      ['Finish', 'ProofSubmitted', 'Finished'],
    ]);
  }
  // The rebuild planner's states and events (damocles-worker planner/rebuild.rs), on its own thread.
  steps(nowMs - 7 * H, 31, 'worker-rebuild-0', REBUILT_SECTOR, [
    ['AllocatedRebuildSector', 'Empty', 'Allocated'],
    ['AddPiece', 'Allocated', 'PieceAdded', ['add_piece:start', 'add_piece:finish', 3 * M + 12_000]],
    ['BuildTreeD', 'PieceAdded', 'TreeDBuilt'],
    ['PC1', 'TreeDBuilt', 'PC1Done', [`seal_pre_commit_phase1:start: SectorId(${REBUILT_SECTOR})`, `seal_pre_commit_phase1:finish: SectorId(${REBUILT_SECTOR})`, 3 * H + 41 * M]],
    ['PC2', 'PC1Done', 'PC2Done', ['seal_pre_commit_phase2:start', 'seal_pre_commit_phase2:finish', 2 * M + 47_000]],
    ['CheckSealed', 'PC2Done', 'SealedChecked'],
    ['SkipSnap', 'SealedChecked', 'SnapDone'],
    ['Persist', 'SnapDone', 'Persisted'],
    ['SubmitPersistance', 'Persisted', 'Finished'],
  ]);
  return log;
}

export interface DemoLogs {
  /** host.name → log file. */
  files: Record<string, string>;
}

export function writeDemoLogs(dir: string, nowMs: number, repo: string): DemoLogs {
  const files: Record<string, string> = {};
  for (const [host, name, log] of [
    ['sealer-01', 'sealer.log', sealer(nowMs)],
    ['poster-01', 'miner.log', poster(nowMs, repo)],
    ['damocles-01', 'damocles-worker.log', damocles(nowMs)],
  ] as const) {
    mkdirSync(join(dir, host), { recursive: true });
    const file = join(dir, host, name);
    writeFileSync(file, log.text());
    files[host] = file;
  }
  return { files };
}
