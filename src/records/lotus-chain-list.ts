import type { ParsedRecord } from '../model.js';
import type { SnapshotParser } from './shape.js';
import type { ZoneResolver } from './zone.js';

/**
 * `lotus chain list` (lotus cli/chain.go, printTipSet with the default format
 * `<height>: (<time>) <blocks>`): one line per tipset, each block as
 * `CID: MINER,` inside `[ … ]`:
 *
 *   132: (Jun 27 16:23:02) [ bafy2bzaceatmyooqkrwmturus4gcdtm7rfjtlymlxre4k5rnd3dtukspocbtk: t01000, ]
 *
 * The time is Go's `time.Stamp` ("Jan _2 15:04:05") in the printing
 * machine's zone (`--timezone`) and has no year: it takes the snapshot's
 * (`--at`) year, or the year before when that would put it after the
 * snapshot (a list from late December read in January). One record per block
 * (fields `height`, `block`, `miner`; logger `block`), so each is a
 * `block-mined`; any other line (the prompt, blank lines) is one record at
 * the snapshot's time (logger `other`).
 */
const ROW = /^(\d+): \(([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)\) \[(.*)\]\s*$/;
const BLOCK = /([a-z0-9]{20,}): ([ft]0\d+),/g;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;

export function lotusChainList(at: () => number, _dir: string, zone: ZoneResolver): SnapshotParser {
  return (body, dataset) => {
    const m = ROW.exec(body);
    const month = m ? MONTHS.indexOf(m[2]!) : -1;
    if (!m || month < 0) return rec(at(), 'other', body, { }, dataset);
    const snapshot = at();
    const wall = (year: number) => zone.toUtc(Date.UTC(year, month, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
    const year = new Date(snapshot).getUTCFullYear();
    let time = wall(year);
    if (time > snapshot + DAY_MS) time = wall(year - 1);
    const out: ParsedRecord[] = [];
    for (const b of m[7]!.matchAll(BLOCK)) out.push(rec(time, 'block', body, { height: Number(m[1]), block: b[1], miner: b[2] }, dataset));
    return out.length > 0 ? out : rec(time, 'other', body, { height: Number(m[1]) }, dataset);
  };
}

function rec(time: number, logger: string, message: string, fields: Record<string, unknown>, dataset: string): ParsedRecord {
  return { time, level: undefined, logger, originFile: undefined, originLine: undefined, message, fieldsText: undefined, fields, dataset, tags: undefined };
}
