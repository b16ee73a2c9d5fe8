import type { SnapshotParser } from './shape.js';
import { cellValue, rec } from './damocles-threads.js';

/**
 * `damocles-manager util sealer sectors state [--offline] MINER N`
 * (`venus-sector-manager …` before the rename): showSectorState in
 * damocles-manager's cmd/…/internal/util_sealer_sectors.go, the same
 * sections since it came (2022-06):
 *
 *   Sector s-t04079-160:
 *
 *   Common:
 *   	Finalized: false
 *   	Removed: false
 *   	Aborting:
 *   		NULL
 *
 *   LatestState:
 *   	State Change: Persisted => Finished, by None
 *   	Worker: calib-t04097(/mnt/mount/baiyu/t04079/test100)
 *   	Failure: NULL
 *   …
 *   SnapUp:
 *   	Upgraded: false
 *   …
 *   Rebuild: false          (since 2022-11)
 *
 * The family's opener makes each `Sector s-…:` block one entry, so the
 * reader sees it whole: one record (logger `sector`) with fields `sector`,
 * `miner`, `state` (the latest change's next state), `event` (what moved
 * it, unless `None`), `worker` (the worker instance that last reported),
 * `error` (the latest failure, `[Level] desc` read as `Level: desc` unless
 * desc starts with the level, else
 * the abort reason) and `plan` (`rebuild` when the sector is marked for a
 * rebuild, `snapup` when it was upgraded; otherwise the output does not
 * say). A block whose latest state is `NULL` has logger `stateless` (no
 * state to observe); lines before the first block (the prompt) `other`.
 */
const HEAD = /^Sector s-[tf]0(\d+)-(\d+):/;

export function damoclesSectorsState(at: () => number): SnapshotParser {
  return (body, dataset) => {
    const head = HEAD.exec(body);
    if (!head) return rec(at(), 'other', body, {}, dataset);
    const fields: Record<string, unknown> = { miner: Number(head[1]), sector: Number(head[2]) };
    const change = /^\s*State Change: (\S+) => (\S+), by (\S+)\s*$/m.exec(body);
    if (change) {
      fields.state = change[2];
      const event = cellValue(change[3]);
      if (event !== undefined) fields.event = event;
    }
    const worker = /^\s*Worker: ([^(\n]+)\(/m.exec(body);
    if (worker) fields.worker = worker[1]!.trim();
    // A second-level line (`\t\t`, or 9+ spaces where a paste expanded the tabs) continues a value.
    const failure = /^\s*Failure: *\n\s*\[([^\]]*)\] ([^\n]*(?:\n(?:\t\t| {9,})[^\n]*)*)/m.exec(body);
    const aborting = /^\s*Aborting: *\n\s*([^\n]*(?:\n(?:\t\t| {9,})[^\n]*)*)/m.exec(body);
    const abort = aborting ? cellValue(unindent(aborting[1]!)) : undefined;
    if (failure) {
      // `[Permanent] permanent: …`: the level is said once.
      const desc = unindent(failure[2]!).trim();
      fields.error = desc.toLowerCase().startsWith(failure[1]!.toLowerCase()) ? desc : `${failure[1]}: ${desc}`;
    }
    else if (abort !== undefined) fields.error = abort;
    if (/^\s*Rebuild: true\s*$/m.test(body)) fields.plan = 'rebuild';
    else if (/^\s*Upgraded: true\s*$/m.test(body)) fields.plan = 'snapup';
    return rec(at(), change ? 'sector' : 'stateless', body, fields, dataset);
  };
}

function unindent(text: string): string {
  return text.replace(/\n(?:\t\t| {9,})/g, '\n');
}
