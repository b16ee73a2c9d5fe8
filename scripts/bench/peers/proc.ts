/**
 * A peer's own cost, read from /proc: the CPU time (user + system) and peak RSS (VmHWM) of its
 * process tree, i.e. the process and every live descendant, plus what reaped children left in
 * cutime/cstime. Read just before the peer is stopped, so its shutdown is not counted.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface TreeUsage {
  /** CPU seconds in user mode, the whole tree. */
  user: number;
  /** CPU seconds in kernel mode, the whole tree. */
  sys: number;
  /** Sum of VmHWM over the tree, MiB. */
  hwmMiB: number;
  /** How many processes were found. */
  processes: number;
}

let ticks = 0;
function clockTicks(): number {
  if (!ticks) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

interface Stat {
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/** /proc/PID/stat; the command name (in parentheses) may hold spaces, so fields count from the last ')'. */
function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
  return { ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) };
}

function readHwmKiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The pid and its live descendants (by parent pid over all of /proc). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const st = readStat(pid);
    if (!st) continue;
    const list = children.get(st.ppid);
    if (list) list.push(pid);
    else children.set(st.ppid, [pid]);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    for (const c of children.get(pid) ?? []) todo.push(c);
  }
  return out;
}

export function treeUsage(root: number): TreeUsage {
  const hz = clockTicks();
  let user = 0;
  let sys = 0;
  let hwm = 0;
  let processes = 0;
  for (const pid of processTree(root)) {
    const st = readStat(pid);
    if (!st) continue;
    processes++;
    user += st.utime + st.cutime;
    sys += st.stime + st.cstime;
    hwm += readHwmKiB(pid);
  }
  return { user: user / hz, sys: sys / hz, hwmMiB: hwm / 1024, processes };
}
