import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SealtrailError } from '../errors.js';
import type { ParsedRecord } from '../model.js';
import type { SnapshotOptions, SnapshotParser } from './shape.js';
import type { ZoneResolver } from './zone.js';

/**
 * `lotus-miner sectors status [--log] [--on-chain-info] N`, every version's
 * layout (tabs, or tabs expanded to spaces by a paste):
 *
 *   SectorID:	27
 *   Status:		WaitDeals
 *   …
 *   Event Log:
 *   0.	2020-08-17 18:00:00 +0000 UTC:	[event;sealing.SectorStart]	{"User":{…}}
 *   1.	2022-10-14 13:33:26 +0200 CEST:	[event;sealing.SectorSealPreCommit1Failed]	{"User":{}}
 *   	consecutive compute fails
 *   2.	2022-03-29 16:20:26 +0200 CEST:	[error;*xerrors.wrapError]	state machine error: …
 *
 * Header lines are dated at the snapshot's time; each event-log row at its
 * own time. The reader remembers the header's sector and runs the sealing
 * state machine (the family's `fsm.yaml`, lotus' planners as data) over the
 * rows, so each record says in its fields which sector it is about and, for
 * an event that moves the machine, the state it leads to. The logger names
 * what the row is, for the rules: `fsm` (an event that moves the state),
 * `event` (one that does not), `error` (`[error;…]`: the machine refused an
 * event), `truncate`, and `header` for the lines above the log. A row whose
 * event carries the message it sent (`User.Message`) has a second record,
 * logger `message` (fields `cid`, `event`, `sector`): its `message-sent`.
 *
 * A paste from the middle of the log has no `SectorID:` line: its sector is
 * `--sector N` (`opts.sector`). Without it, a row that would be a sector's
 * event has logger `unsectored` (a `log` event: the contract has no sector
 * event without a sector) and the reader says so once through `opts.notice`.
 */
const ROW = /^(\d+)\.\s+(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? ([+-])(\d\d)(\d\d)(?: [^\s:]+)?:\s+\[([^\]\n]*)\]/;
const HEADER_SECTOR = /^SectorID:\s*(\d+)/;

type Table = Map<string, Map<string, string>>;

interface Fsm {
  table: Table;
  /** Event → the state every planner that lists it leads to (only when they all agree). */
  anywhere: Map<string, string>;
}

const loaded = new Map<string, Fsm>();

function loadFsm(dir: string): Fsm {
  const file = join(dir, 'fsm.yaml');
  let fsm = loaded.get(file);
  if (fsm) return fsm;
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SealtrailError('E_CONFIG', `${file}: ${(err as Error).message}`, 'the lotus-sectors-status family needs its state table; see pipelines/README.md');
  }
  if (!raw || typeof raw !== 'object') throw new SealtrailError('E_CONFIG', `${file}: not a mapping of state → { event: state }`, 'see pipelines/README.md');
  const table: Table = new Map();
  const targets = new Map<string, Set<string>>();
  for (const [from, events] of Object.entries(raw as Record<string, unknown>)) {
    if (!events || typeof events !== 'object') throw new SealtrailError('E_CONFIG', `${file}: ${from} must map events to states`, 'see pipelines/README.md');
    const m = new Map<string, string>();
    for (const [event, to] of Object.entries(events as Record<string, unknown>)) {
      if (typeof to !== 'string') throw new SealtrailError('E_CONFIG', `${file}: ${from}.${event} must name a state`, 'see pipelines/README.md');
      m.set(event, to);
      let t = targets.get(event);
      if (!t) targets.set(event, (t = new Set()));
      t.add(to);
    }
    table.set(from, m);
  }
  const anywhere = new Map<string, string>();
  for (const [event, t] of targets) if (t.size === 1) anywhere.set(event, [...t][0]!);
  fsm = { table, anywhere };
  loaded.set(file, fsm);
  return fsm;
}

export function lotusSectorsStatus(at: () => number, dir: string, _zone: ZoneResolver, opts: SnapshotOptions): SnapshotParser {
  const fsm = loadFsm(dir);
  let sector = opts.sector;
  let told = false;
  /** The row's logger, or `unsectored` (said once) when no sector is known. */
  const about = (logger: string): string => {
    if (sector !== undefined) return logger;
    if (!told) {
      told = true;
      opts.notice('this output names no sector (no "SectorID:" line): its state changes and errors are log events; pass --sector N (or MINER-N)');
    }
    return 'unsectored';
  };
  let state = 'UndefinedSectorState';
  /** Is `state` the machine's state, or did the log start mid-way (no row 0 seen, nothing moved yet)? */
  let known = false;
  return (body, dataset) => {
    const m = ROW.exec(body);
    if (!m) {
      const id = HEADER_SECTOR.exec(body);
      if (id) {
        const named = Number(id[1]);
        if (opts.sector !== undefined && named !== opts.sector && !told) {
          told = true;
          opts.notice(`the output says SectorID ${named}, --sector said ${opts.sector}: ${named} is used`);
        }
        sector = named;
      }
      const fields: Record<string, unknown> = { sector };
      const status = /^Status:\s*(\S+)/.exec(body);
      if (status) fields.state = status[1];
      return rec(at(), status ? about('header') : 'header', body, fields, dataset);
    }
    const frac = m[8] ? Number(`0.${m[8]}`) * 1000 : 0;
    const offset = (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) * 60_000;
    const time = Date.UTC(+m[2]!, +m[3]! - 1, +m[4]!, +m[5]!, +m[6]!, +m[7]!) + Math.trunc(frac) - offset;
    if (m[1] === '0') {
      state = 'UndefinedSectorState';
      known = true;
    }
    const kind = m[12]!;
    const message = body.slice(m.index + m[0].length - kind.length - 2);
    const fields: Record<string, unknown> = { sector };
    // The event as lotus logged it (`{"User":{…}}`): its Message CID, for the rules.
    const nl = message.indexOf('\n');
    const json = message.slice(kind.length + 2, nl === -1 ? message.length : nl).trim();
    if (json.charCodeAt(0) === 123) {
      try {
        const user = (JSON.parse(json) as { User?: unknown }).User;
        if (user && typeof user === 'object') fields.User = user;
      } catch {
        // a row cut short (lotus truncates events over 8000 bytes): no fields from it
      }
    }
    let logger = kind.split(';')[0]!;
    if (kind.startsWith('event;')) {
      const event = kind.slice(kind.lastIndexOf('.') + 1).replace(/^\*/, '');
      fields.event = event;
      const next = fsm.table.get(state)?.get(event) ?? (known ? undefined : fsm.anywhere.get(event));
      if (next !== undefined) {
        state = next;
        known = true;
        fields.state = next;
        logger = 'fsm';
      }
    }
    const main = rec(time, about(logger), message, fields, dataset);
    // issue 14: the message the row's event sent (`{"User":{"Message":{"/":"bafy…"}}}`) is a message-sent of its own.
    const cid = (fields.User as { Message?: { '/'?: unknown } } | undefined)?.Message?.['/'];
    if (typeof cid !== 'string') return main;
    const sent: Record<string, unknown> = { cid, event: fields.event };
    if (sector !== undefined) sent.sector = sector;
    return [main, rec(time, 'message', message, sent, dataset)];
  };
}

function rec(time: number, logger: string, message: string, fields: Record<string, unknown>, dataset: string): ParsedRecord {
  return { time, level: undefined, logger, originFile: undefined, originLine: undefined, message, fieldsText: undefined, fields, dataset, tags: undefined };
}
