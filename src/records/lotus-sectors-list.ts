import type { ParsedRecord } from '../model.js';
import type { SnapshotParser } from './shape.js';

/**
 * `lotus-miner sectors list`, both layouts: the 2020 one, a line per sector
 *
 *   0: Proving     sSet: YES active: YES tktH: -801  seedH: 1745  deals: [0]   toUpgrade:false
 *
 * and the table since lotus 0.10 (`ID  State  OnChain  Active  Expiration  Deals …`,
 * more columns in later versions; only the first two are read):
 *
 *   708  Committing  NO       NO      n/a         CC
 *
 * Every line is one record at the snapshot's time (`--at`). A sector's line
 * has fields `sector` and `state` (logger `row`); the header, the prompt and
 * anything else has none (logger `other`).
 */
const OLD_ROW = /^(\d+): ([A-Za-z]\w*)\s+sSet:/;
const TABLE_ROW = /^\s*(\d+)\s+([A-Z]\w*)(?:\s|$)/;

export function lotusSectorsList(at: () => number): SnapshotParser {
  return (body, dataset) => {
    const m = OLD_ROW.exec(body) ?? TABLE_ROW.exec(body);
    const fields = m ? { sector: Number(m[1]), state: m[2] } : {};
    return rec(at(), m ? 'row' : 'other', body, fields, dataset);
  };
}

function rec(time: number, logger: string, message: string, fields: Record<string, unknown>, dataset: string): ParsedRecord {
  return { time, level: undefined, logger, originFile: undefined, originLine: undefined, message, fieldsText: undefined, fields, dataset, tags: undefined };
}
