import { errors } from '@elastic/elasticsearch';
import { Registry } from '../checkpoints/registry.js';
import { SECTORS_INDEX, describeTransportError, refreshIndices } from '../elasticsearch.js';
import { connect } from '../sink/connect.js';
import { formatBytes } from '../tail/health.js';
import { TailShipper } from '../tail/tail-shipper.js';
import type { RunPlan } from './run-plan.js';
import { toDocumentBatch } from '../documents/document-batch.js';
import { DocumentWriter } from '../documents/serialize.js';
import { eventsFromBytes } from '../flow.js';
import type { StreamOptions } from '../flow-context.js';
import { autoFormat, peek } from './snapshot-input.js';
import { startCurioDb } from './run-curio-db.js';

/**
 * `run --once`: what the files hold now, through the same readers as the
 * tail (so the same identities, copies read once, the same rule for a last
 * line without its newline), then a summary. With a registry, reading
 * resumes from its checkpoints and advances them; without, every file is
 * read from its start and nothing is kept.
 */
export async function runOnce(p: RunPlan): Promise<number> {
  const { client, url, log, sink, stats } = p;
  let files = 0;
  let fileErrors = 0;
  let curioLine: string | undefined;
  let progress: NodeJS.Timeout | undefined;
  try {
    await connect(client, url, log, undefined);
    if (process.stderr.isTTY) {
      progress = setInterval(() => {
        const secs = (Date.now() - stats.started) / 1000;
        process.stderr.write(`\r${stats.entries} entries, ${formatBytes(stats.bytesRead)} read, ${sink.counters.shipped} indexed, ${(stats.bytesRead / 1048576 / Math.max(secs, 0.001)).toFixed(1)} MiB/s   `);
      }, 500);
    }
    const registry = p.registryPath ? await Registry.open(p.registryPath, log) : undefined;
    const shipper = new TailShipper({ inputs: p.inputs, ctx: p.ctx, sink, stats, registry, log, once: true });
    try {
      await shipper.start();
      const curio = startCurioDb(p, registry, true);
      await shipper.idle();
      await curio?.finished();
      if (curio) curioLine = `curio_db         ${curio.shipper.historyRows} history rows, ${curio.shipper.sectorEvents} sector states`;
      if (shipper.failed) throw shipper.failed;
      // issue 14: a command's output on standard input, through the same flow.
      if (p.stdin) await shipStdin(p, p.stdin);
      await sink.drain();
    } catch (err) {
      // As the tail does: a refusal the sink could not retry (a 401 on the sectors index) is one line.
      throw err instanceof errors.ElasticsearchClientError ? describeTransportError(err, url) : err;
    } finally {
      await shipper.stop(0);
    }
    // What was acknowledged is searchable before --once returns.
    await refreshIndices(client, [...sink.events.indices, SECTORS_INDEX]).catch((err: unknown) => {
      throw describeTransportError(err, url);
    });
    files = shipper.opened + (p.stdin ? 1 : 0);
    fileErrors = shipper.unreadable;
  } finally {
    if (progress) {
      clearInterval(progress);
      process.stderr.write('\n');
    }
    sink.close();
    await client.close();
  }
  process.stdout.write([...summary(p, files, fileErrors), ...(curioLine ? [curioLine] : [])].join('\n') + '\n');
  return sink.counters.deadLettered > 0 || fileErrors > 0 ? 1 : 0;
}

function summary({ sink, stats, deadLetter }: RunPlan, files: number, fileErrors: number): string[] {
  const secs = (Date.now() - stats.started) / 1000;
  const actions = [...stats.byAction.entries()].sort((a, b) => b[1] - a[1]);
  const c = sink.counters;
  return [
    `files            ${files}${fileErrors ? ` (${fileErrors} unreadable)` : ''}`,
    `entries          ${stats.entries}`,
    ...actions.map(([a, n]) => `  ${a.padEnd(22)} ${n}`),
    `indexed          ${c.shipped}`,
    `sector updates   ${sink.sectors.updates}`,
    `dead-lettered    ${c.deadLettered}${c.deadLettered ? ` (see ${deadLetter.path})` : ''}`,
    `retried          ${c.retried}`,
    `time             ${secs.toFixed(1)} s, ${formatBytes(stats.bytesRead)}, ${(stats.bytesRead / 1048576 / Math.max(secs, 0.001)).toFixed(1)} MiB/s`,
  ];
}

/** Standard input read to its end (a paste), its events into the sink, acknowledged before the refresh. */
async function shipStdin(p: RunPlan, opts: StreamOptions): Promise<void> {
  let input: AsyncIterable<Buffer> = process.stdin;
  if (opts.format === 'auto') {
    const peeked = await peek(process.stdin);
    input = peeked.chunks;
    opts = { ...opts, format: autoFormat(peeked.head, '-') };
  }
  const counted = async function* (): AsyncIterable<Buffer> {
    for await (const chunk of input) {
      p.stats.bytesRead += chunk.length;
      yield chunk;
    }
  };
  const writer = new DocumentWriter();
  for await (const batch of eventsFromBytes(counted(), '-', p.ctx, opts)) {
    if (batch.events.length === 0) continue;
    p.stats.count(batch.events);
    await p.sink.write(toDocumentBatch(batch.events, writer, () => {}));
  }
}
