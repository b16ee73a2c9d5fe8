#!/usr/bin/env node
/**
 * CPU samples of a whole process, every thread, by stage of the flow: what
 * `--cpu-prof` cannot say. `--cpu-prof` samples the main thread only, by the
 * clock (on a loaded machine it charged the file stream's `read` with 11% of
 * a `parse` that spends 0.13 CPU-s reading), and it never sees V8's
 * background threads, where TurboFan compiles. `perf` samples CPU time on
 * every thread; with `--perf-basic-prof` it names JavaScript frames.
 *
 *   perf record -F 999 -g -o /tmp/p.data node --perf-basic-prof build/src/cli/main.js parse FILES > /dev/null
 *   perf script -i /tmp/p.data -F comm,tid,ip,sym,dso | node build/scripts/bench/perf-stages.js
 *
 * A main-thread sample goes to the innermost frame that is sealtrail's
 * JavaScript (`build/src/<stage>/`, the generated document writer), so what
 * a function calls natively (`utf8Write`, `RegExp` code, string builtins,
 * a collection it triggers) counts for its stage; samples with no such frame
 * are start-up, node internals or V8. The main thread is the one with the
 * most samples.
 */
import { createInterface } from 'node:readline';

interface Sample {
  tid: string;
  frames: string[];
}

const WRITER_FILES = new Set(['json-out', 'serialize', 'value-memo']);
/** The generated writer's functions (`new Function`: no file): `writeDocument`, its objects' `gN`, `need`. */
const GENERATED = /JS:[*^~]?(writeDocument|g\d+|need) :\d+/;

function mainThreadStage(frames: string[]): string {
  for (const f of frames) {
    const m = /build\/src\/(?:([a-z-]+)\/)?([\w.-]+)\.js/.exec(f);
    if (m) {
      const [, dir, file] = m;
      if (dir === undefined) {
        if (file === 'definitions') return 'start-up: pipelines/ definitions';
        return file === 'flow' ? 'flow.ts (entries → events)' : `src/${file}`;
      }
      if (dir === 'documents' && WRITER_FILES.has(file!)) return 'documents: the writer';
      if (dir === 'documents' && file === 'event-id') return 'events: event.id';
      return dir === 'cli' ? 'cli: the parse loop' : dir!;
    }
    if (GENERATED.test(f)) return 'documents: the writer';
    if (f.includes('node_modules/yaml') || f.includes('definitions.js')) return 'start-up: pipelines/ definitions';
    if (f.includes('node_modules/luxon')) return 'records: luxon (zones)';
  }
  const s = frames.slice(0, 8).join(' ');
  if (/Scaveng|MarkCompact|Heap::|GCTracer/.test(s)) return 'main: garbage collection';
  if (s.includes('kernel.kallsyms')) return 'main: kernel';
  if (s.includes('node:')) return 'main: node internals (streams, fs, Buffer)';
  return 'main: other native (start-up, V8)';
}

function backgroundStage(frames: string[]): string {
  const s = frames.slice(0, 10).join(' ');
  if (/compiler::|OptimizedCompilationJob|OptimizingCompileDispatcher|Pipeline/.test(s)) return 'background: TurboFan compiling';
  if (/Mark|Sweep|Scaveng|Heap|Evacuat|GC/.test(s)) return 'background: garbage collection';
  if (/uv__fs|uv__work|\bread\b|pread/.test(s)) return 'background: file reads (libuv)';
  return 'background: other';
}

const samples: Sample[] = [];
let cur: Sample | undefined;
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (line.trim() === '') {
    if (cur) samples.push(cur);
    cur = undefined;
  } else if (!/^\s/.test(line)) {
    const parts = line.trim().split(/\s+/);
    cur = { tid: (parts[1] ?? '').split('/').pop()!, frames: [] };
  } else cur?.frames.push(line.trim());
}
if (cur) samples.push(cur);

const perThread = new Map<string, number>();
for (const s of samples) perThread.set(s.tid, (perThread.get(s.tid) ?? 0) + 1);
const main = [...perThread].sort((a, b) => b[1] - a[1])[0]?.[0];
const stages = new Map<string, number>();
for (const s of samples) {
  const k = s.tid === main ? mainThreadStage(s.frames) : backgroundStage(s.frames);
  stages.set(k, (stages.get(k) ?? 0) + 1);
}
const total = samples.length;
console.log(`${total} samples, ${perThread.size} threads (main: ${main}, ${perThread.get(main ?? '') ?? 0} samples)`);
for (const [k, n] of [...stages].sort((a, b) => b[1] - a[1])) {
  console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${String(n).padStart(6)}  ${k}`);
}
