import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { loadDefinitions } from '../definitions.js';
import { BufferPool } from '../documents/buffer-pool.js';
import { JsonOut } from '../documents/json-out.js';
import { DocumentWriter } from '../documents/serialize.js';
import { describeInputError } from '../errors.js';
import { eventsFromBytes } from '../flow.js';
import { FlowContext, type StreamOptions } from '../flow-context.js';
import { ZoneResolver, defaultZone } from '../records/zone.js';
import { type Command, defaultHost, parseAt, parseCommandLine, parseMiner, parsePositiveInt } from './common.js';
import { sectorOption } from './run-checks.js';
import { autoFormat, fileHead, peek } from './snapshot-input.js';

const usage = `Usage: sealtrail parse [options] [FILE...]

Reads log files (or standard input when no FILE is given, or FILE is -) and
writes one JSON document per log entry to standard output: exactly the
documents \`sealtrail run\` would index, event.id included.

Options:
  --timezone IANA      zone for timestamps that carry none (rust-fil-proofs
                       lines); default: this machine's zone ($TZ, else /etc/localtime)
  --host NAME          host.name of the events; default: this machine's name
  --format NAME        parse every line as this family (a folder under pipelines/:
                       lotus, filcrypto, venus, …); default: detect per line.
                       A command's output is read only when named:
                       lotus-sectors-status (lotus-miner sectors status --log N),
                       lotus-chain-list (lotus chain list),
                       lotus-sectors-list (lotus-miner sectors list),
                       damocles-worker-list (damocles-worker worker list),
                       damocles-worker-info (damocles-manager util worker info),
                       damocles-sectors-state (damocles-manager util sealer
                       sectors state MINER N); auto: one of these, told
                       from each input's first lines
  --at TIME            when a command's output was taken: ISO 8601 or a
                       duration ago (2h); default the file's modification
                       time, now for standard input
  --sector N           the sector of a command's output that names none (a
                       paste from the middle of sectors status --log; N or
                       MINER-N); without it such rows are log events
  --miner ID           miner of sectors whose lines never name one (f01234)
  --max-line-bytes N   cut longer lines there and tag them "truncated"
                       (default 1048576)
  -h, --help           this help

Environment:
  SEALTRAIL_PIPELINES  DIR[:DIR…] of family folders to add to the bundled
                       pipelines/ (one of the same name replaces the bundled one)

Examples:
  sealtrail parse --timezone Asia/Shanghai sealer.log poster.log
  lotus-miner sectors status --log 27 | sealtrail parse --format lotus-sectors-status
  grep -a 16692481 sealer.log | sealtrail parse | jq -c 'select(.event.action != "log")'
`;

export const parseCommand: Command = {
  async run(argv) {
    const { values, positionals } = parseCommandLine(
      argv,
      {
        timezone: { type: 'string' },
        host: { type: 'string' },
        format: { type: 'string' },
        at: { type: 'string' },
        miner: { type: 'string' },
        sector: { type: 'string' },
        'max-line-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const defs = loadDefinitions();
    const sector = sectorOption(values.sector, values.format, defs, parseMiner(values.miner));
    const opts: StreamOptions = {
      host: values.host ?? defaultHost(),
      zone: new ZoneResolver(values.timezone ?? defaultZone()),
      format: values.format,
      defaultMiner: sector.miner,
      sector: sector.sector,
      notice: (line) => process.stderr.write(`sealtrail: ${line}\n`),
      maxLineBytes: parsePositiveInt('max-line-bytes', values['max-line-bytes']),
    };
    const at = parseAt(values.at);
    const ctx = new FlowContext(defs);
    const files = positionals.length > 0 ? positionals : ['-'];
    const out = process.stdout;
    // Output buffers used again once the write that took one has finished (a pipe may hold it until then).
    const buffers = new BufferPool(1024 * 1024);
    let failed = 0;
    let closed = false;
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') closed = true;
    });
    for (const file of files) {
      if (closed) break;
      const writer = new DocumentWriter();
      // Entries that can have no time take the file's modification time: the same output every run.
      // (Looked up before the stream opens: an open error must find its listener.)
      const mtime = at ?? (file === '-' ? undefined : await stat(file).then((st) => st.mtimeMs, () => undefined));
      let fileOpts: StreamOptions = mtime === undefined ? opts : { ...opts, fallbackTime: () => mtime };
      let input: AsyncIterable<Buffer> = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: READ_CHUNK });
      try {
        if (opts.format === 'auto') {
          // issue 14: the output's first lines name the command that printed it.
          const peeked = file === '-' ? await peek(process.stdin) : { head: await fileHead(file), chunks: input };
          input = peeked.chunks;
          fileOpts = { ...fileOpts, format: autoFormat(peeked.head, file) };
        }
        for await (const batch of eventsFromBytes(input, file, ctx, fileOpts)) {
          if (batch.events.length === 0) continue;
          if (closed) break;
          const o = new JsonOut(0);
          o.buf = buffers.take();
          writer.writeNdjson(batch.events, o);
          if (!out.write(o.buf.subarray(0, o.pos), () => buffers.give(o.buf))) await drainOrClose(out);
        }
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EPIPE' || closed) return 0; // the reader (`| head`) has seen enough
        if (e.code && e.syscall) {
          process.stderr.write(`sealtrail: ${describeInputError(file, e)}\n`);
          failed++;
          continue;
        }
        throw err;
      }
    }
    return failed > 0 ? 1 : 0;
  },
};

/**
 * Files are read in chunks this large: a batch of lines, entries and
 * documents per chunk. (256 KiB, a quarter of the reads and writes, measured
 * no less CPU: the larger batches' events outlive more young collections.)
 */
const READ_CHUNK = 64 * 1024;

/**
 * Waits for `drain` or `close`, whichever comes first, and removes both
 * listeners then (a `Promise.race` of two `once` left the loser attached,
 * one more per full pipe buffer: MaxListenersExceededWarning).
 */
function drainOrClose(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.removeListener('drain', done);
      out.removeListener('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
  });
}
