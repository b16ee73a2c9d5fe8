import type { Wrapper } from '../model.js';
import { DEFAULT_OPENER, type Opener } from './openers.js';

// Colour codes as escape bytes, or as the literal `^[[34m` a paste leaves.
const ANSI = /(?:\x1b|\^\[)\[[0-9;]*[A-Za-z]/g;
// `Sep 17 11:56:30 host lotus-miner[119077]: `
const JOURNALD = /^[A-Z][a-z]{2} [ 0-9]\d \d{2}:\d{2}:\d{2} (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ?/;
// `lotus_1  | ` (compose v1) or `lotus-1  | ` (v2)
const DOCKER = /^([A-Za-z0-9][\w.-]*?) *\| ?/;
// `1|lotus miner  | `
const PM2 = /^(\d+)\|([^|]*?) *\| ?/;

/**
 * Peels what sits in front of a log line before it reaches a file: colour
 * codes, then one of journald's, docker compose's or pm2's prefixes. The
 * wrapper of the last line peeled is left in `wrapper` (no object per line
 * for the common, unwrapped case).
 */
export class Unwrapper {
  wrapper: Wrapper | undefined;

  /** `opens`: the stream's entry opener, which tells a compose prefix from a table row. */
  constructor(private readonly opens: Opener = DEFAULT_OPENER) {}

  peel(line: string): string {
    this.wrapper = undefined;
    // copytruncate leaves NUL padding where the writer's old offset was.
    if (line.charCodeAt(0) === 0) line = line.replace(/^\0+/, '');
    if (line.indexOf('\x1b') !== -1 || line.indexOf('^[[') !== -1) line = line.replace(ANSI, '');
    const c0 = line.charCodeAt(0);
    // Fast path: a bare timestamped line (`2020-06-23T…`) carries no wrapper.
    if (c0 >= 48 && c0 <= 57) {
      if (line.charCodeAt(4) === 45 && line.charCodeAt(7) === 45) return line;
      if (line.indexOf('|') < 8) {
        const m = PM2.exec(line);
        if (m) {
          this.wrapper = { kind: 'pm2', source: m[2]!, pid: Number(m[1]) };
          return line.slice(m[0].length);
        }
      }
      return line;
    }
    if (c0 >= 65 && c0 <= 90 && line.charCodeAt(3) === 32 && line.charCodeAt(9) === 58) {
      const m = JOURNALD.exec(line);
      if (m) {
        // journald's own time has no year: the line's own timestamp is the one kept.
        this.wrapper = { kind: 'journald', source: m[1]!, process: m[2]! };
        if (m[3] !== undefined) this.wrapper.pid = Number(m[3]);
        return line.slice(m[0].length);
      }
    }
    const bar = line.indexOf(' | ');
    if (bar > 0 && bar < 64 && ((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122))) {
      const m = DOCKER.exec(line);
      if (m && m[0].length >= bar) {
        // `name  | ` is also how a table row can start: take it for a compose
        // prefix only with compose's `_1`/`-1` suffix or a log line behind it.
        const rest = line.slice(m[0].length);
        const name = m[1]!;
        const last = name.charCodeAt(name.length - 1);
        if ((last >= 48 && last <= 57) || this.opens(rest)) {
          this.wrapper = { kind: 'docker', source: name };
          return rest;
        }
      }
    }
    return line;
  }
}
