#!/usr/bin/env node
/**
 * The per-line path alone (bytes → lines → entries → records → events →
 * enriched events), without documents: `StreamFlow.push` over a corpus in
 * 64 KiB chunks (what `parse` reads), in this process, CPU-s (user+sys) per
 * round. With `--against BUILD` (another build's folder, e.g. the branch
 * point built into /tmp/x-base/build) the two flows run alternately, round
 * by round, in the same process and minutes: on a shared machine that is the
 * only comparison that holds. With `--documents` each batch is also written
 * as `parse` writes it (`DocumentWriter.toNdjsonBuffer`): the whole per-line
 * path without the file reads and the output pipe.
 *
 *   node build/scripts/bench/measure-flow.js [--rounds 8] [--against /tmp/x-base/build] [--documents] CORPUS_DIR_OR_FILE...
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '8' },
    against: { type: 'string' },
    timezone: { type: 'string', default: 'Asia/Shanghai' },
    chunk: { type: 'string', default: '65536' },
    documents: { type: 'boolean', default: false },
  },
});
if (positionals.length === 0) throw new Error('name a corpus folder or log files');

interface Flow {
  name: string;
  run: (files: string[], data: Buffer[]) => number;
}

async function flowOf(build: string, name: string): Promise<Flow> {
  const at = (p: string): string => pathToFileURL(join(build, p)).href;
  const { loadDefinitions } = await import(at('src/definitions.js'));
  const { StreamFlow } = await import(at('src/flow.js'));
  const { FlowContext } = await import(at('src/flow-context.js'));
  const { ZoneResolver } = await import(at('src/records/zone.js'));
  const { DocumentWriter } = await import(at('src/documents/serialize.js'));
  const defs = loadDefinitions();
  const chunk = Number(values.chunk);
  const docs = values.documents === true;
  return {
    name,
    run(files, data) {
      let n = 0;
      const ctx = new FlowContext(defs);
      for (let i = 0; i < files.length; i++) {
        const bytes = data[i]!;
        const flow = new StreamFlow(ctx, { path: files[i]!, fingerprint: `f${i}` }, { host: 'h', zone: new ZoneResolver(values.timezone!), fallbackTime: () => 1 });
        const writer = docs ? new DocumentWriter() : undefined;
        for (let o = 0; o < bytes.length; o += chunk) {
          const evs = flow.push(bytes.subarray(o, o + chunk)).events;
          n += evs.length;
          if (writer && evs.length > 0) writer.toNdjsonBuffer(evs);
        }
        const last = flow.end().events;
        n += last.length;
        if (writer && last.length > 0) writer.toNdjsonBuffer(last);
      }
      return n;
    },
  };
}

const files = positionals.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.log')).sort().map((f) => join(p, f)) : [p]));
const data = files.map((f) => readFileSync(f));
const mib = data.reduce((a, d) => a + d.length, 0) / 1048576;
const self = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const flows = [await flowOf(self, 'this build')];
if (values.against) flows.push(await flowOf(resolve(values.against), values.against));
const rounds = Number(values.rounds);
const cpu: number[][] = flows.map(() => []);
let events = 0;
for (const f of flows) events = f.run(files, data); // warm-up
console.log(`${files.length} files, ${mib.toFixed(1)} MiB, ${events} events; load ${loadavg()[0]!.toFixed(2)}`);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? flows.map((_, k) => k) : flows.map((_, k) => flows.length - 1 - k);
  for (const k of order) {
    const t = process.cpuUsage();
    flows[k]!.run(files, data);
    const d = process.cpuUsage(t);
    cpu[k]!.push((d.user + d.system) / 1e6);
  }
}
for (let k = 0; k < flows.length; k++) {
  const s = cpu[k]!.slice().sort((a, b) => a - b);
  const min = s[0]!;
  const med = s[s.length >> 1]!;
  console.log(`${flows[k]!.name}: min ${min.toFixed(3)} median ${med.toFixed(3)} CPU-s, ${(mib / min).toFixed(1)} MiB/CPU-s, ${((min * 1e9) / events).toFixed(0)} ns/event`);
}
console.log(`load ${loadavg()[0]!.toFixed(2)}`);
