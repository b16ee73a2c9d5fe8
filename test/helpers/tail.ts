/**
 * Helpers for the tailing tests: a shipper as a real child process, a log
 * writer that appends whole entries, and questions to Elasticsearch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, readlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import { CLI, REPO, runCli, ndjson, type Doc } from './repo.js';

export const NOBODY = 65534;

export interface Shipper {
  child: ChildProcess;
  pid: number;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** `sealtrail ARGS` as a child process (as `nobody` via setpriv when asked and root). */
export function startShipper(args: string[], opts: { asNobody?: boolean; env?: NodeJS.ProcessEnv } = {}): Shipper {
  const asNobody = opts.asNobody && process.getuid?.() === 0;
  const cmd = asNobody ? 'setpriv' : process.execPath;
  const argv = asNobody ? [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, ...args] : [CLI, ...args];
  const child = spawn(cmd, argv, { cwd: REPO, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    err += s;
    if (process.env.TAIL_TEST_VERBOSE) process.stderr.write(`[shipper ${child.pid}] ${s}`);
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal, at: Date.now() })),
  );
  return { child, pid: child.pid!, stderr: () => err, exited };
}

/** SIGTERM and wait; returns the exit code and how long it took. */
export async function terminate(s: Shipper, limitMs = 30_000): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  s.child.kill('SIGTERM');
  const r = await Promise.race([s.exited, sleep(limitMs, undefined, { ref: false }).then(() => undefined)]);
  if (!r) {
    s.child.kill('SIGKILL');
    await s.exited;
    throw new Error(`shipper did not exit within ${limitMs} ms of SIGTERM; stderr:\n${s.stderr()}`);
  }
  return { code: r.code, ms: r.at - t0 };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 250): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

/** Resident memory of a process in MiB (0 once it is gone). */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Paths a process holds open. */
export function openFiles(pid: number): string[] {
  const out: string[] = [];
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // gone
  }
  return out;
}

function stamp(ms: number): string {
  const d = new Date(ms + 8 * 3600_000).toISOString();
  return d.slice(0, 23) + '+0800';
}

/**
 * Appends whole lotus-style entries to a file, each entry in one write(2), the
 * way a logger does. Every 7th entry is a multi-line error. `pad` makes
 * messages longer (bytes per entry without more documents).
 */
export class LogWriter {
  private fd: number;
  private t: number;
  private n = 0;
  entries = 0;

  constructor(
    public path: string,
    private readonly opts: { name?: string; startMs?: number; pad?: number } = {},
  ) {
    this.fd = openSync(path, 'a');
    this.t = opts.startMs ?? Date.UTC(2020, 5, 23, 4, 0, 0);
  }

  /** Text of the next `count` entries. */
  private text(count: number): string {
    let s = '';
    const pad = this.opts.pad ? ' ' + 'x'.repeat(this.opts.pad) : '';
    for (let i = 0; i < count; i++) {
      const k = this.n++;
      this.t += 37;
      const sector = 1 + (k % 50);
      if (k === 0) s += `${stamp(this.t)}\tINFO\tmain\tmain.go:1\tstarting ${this.opts.name ?? this.path} ${Math.random().toString(36).slice(2)}\n`;
      else if (k % 7 === 3) s += `${stamp(this.t)}\tERROR\tsectors\tffsm/states.go:300\tcommit error for ${sector} #${k}:\n    github.com/x/y.go:${k}\n\tCaused by: nothing${pad}\n`;
      else s += `${stamp(this.t)}\tINFO\tsectors\tffsm/fsm.go:196\tSector ${sector} update state: PreCommit${1 + (k % 2)} ... #${k}${pad}\n`;
      this.entries++;
    }
    return s;
  }

  /** Appends `count` entries, each with its own write. */
  write(count: number): void {
    for (let i = 0; i < count; i++) writeSync(this.fd, this.text(1));
  }

  /** Appends `count` entries in one write (a burst). */
  burst(count: number): void {
    writeSync(this.fd, this.text(count));
  }

  /** Continue through another descriptor (the file at this path now, e.g. after rotation). */
  reopen(path = this.path): void {
    closeSync(this.fd);
    this.path = path;
    this.fd = openSync(path, 'a');
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** `sealtrail parse` of the files with this host: the documents `run` must have indexed. */
export async function parsed(files: string[], host: string): Promise<Doc[]> {
  const r = await runCli(['parse', '--host', host, '--timezone', 'Asia/Shanghai', ...files]);
  if (r.code !== 0) throw new Error(`parse failed: ${r.stderr}`);
  return ndjson(r.stdout);
}

export async function countFor(client: Client, host: string): Promise<number> {
  await client.indices.refresh({ index: 'sealtrail-events*' });
  return (await client.count({ index: 'sealtrail-events', query: { term: { 'host.name': host } } })).count;
}

/** event.id → log.offset of every document of this host. */
export async function idsFor(client: Client, host: string): Promise<Map<string, number>> {
  await client.indices.refresh({ index: 'sealtrail-events*' });
  const out = new Map<string, number>();
  for await (const d of client.helpers.scrollDocuments<Doc>({
    index: 'sealtrail-events',
    query: { term: { 'host.name': host } },
    _source: ['event.id', 'log.offset', 'log.file.path'],
    size: 5000,
  })) {
    out.set(d.event.id, d.log.offset);
  }
  return out;
}

/** Ids missing from `have`, and ids in `have` that are not expected. */
export function diffIds(expected: Doc[], have: Map<string, number>): { missing: string[]; extra: string[] } {
  const want = new Set(expected.map((d) => d.event.id as string));
  return {
    missing: [...want].filter((id) => !have.has(id)),
    extra: [...have.keys()].filter((id) => !want.has(id)),
  };
}

export async function metrics(port: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
