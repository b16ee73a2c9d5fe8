#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { usageError } from '../errors.js';
import { type Command, reportError } from './common.js';

/**
 * The command table. Each command's module is loaded only when it runs:
 * `parse` should not pay for loading the Elasticsearch client.
 */
const COMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'parse', summary: 'parse log files (or stdin) into event documents, one JSON per line', load: async () => (await import('./parse.js')).parseCommand },
  { name: 'run', summary: 'ship log files into Elasticsearch (tail them, or --once)', load: async () => (await import('./run.js')).runCommand },
  { name: 'setup', summary: 'install index templates (and Kibana saved objects with --kibana)', load: async () => (await import('./setup.js')).setupCommand },
  { name: 'sector', summary: "one sector's timeline: every event that names it, oldest first", load: async () => (await import('./sector.js')).sectorCommand },
  { name: 'states', summary: 'how many sectors are in each current state', load: async () => (await import('./states.js')).statesCommand },
  { name: 'stats', summary: 'phase durations (count, p50, p90, p99, max) per task type, optionally --by host', load: async () => (await import('./stats.js')).statsCommand },
  { name: 'stuck', summary: 'sectors whose current state is older than --older, oldest first', load: async () => (await import('./stuck.js')).stuckCommand },
  { name: 'rebuilds', summary: "sector rebuilds (damocles' rebuild plan): running and finished, --running", load: async () => (await import('./rebuilds.js')).rebuildsCommand },
  { name: 'post-errors', summary: 'PoSt failures grouped by storage host and path, newest first', load: async () => (await import('./post-errors.js')).postErrorsCommand },
  { name: 'exporter', summary: 'serve sector states, stuck sectors and recent PoSt failures to Prometheus', load: async () => (await import('./exporter.js')).exporterCommand },
  { name: 'report', summary: 'one self-contained HTML page with charts of the panels (states, durations, stuck, PoSt failures)', load: async () => (await import('./report.js')).reportCommand },
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: sealtrail <command> [options]

Turns lotus / lotus-worker / venus / damocles sealer and PoSt logs into events
in Elasticsearch, and answers operators' questions about sectors from there.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`sealtrail <command> --help\` for a command's options.
`;
}

/** The whole CLI as a function: argv in, exit code out. */
export async function main(argv: string[]): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(help());
      return name === undefined ? 2 : 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw usageError(`unknown command "${name}"`, `commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
    return await (await command.load()).run(rest);
  } catch (err) {
    return reportError(err);
  }
}

function invokedDirectly(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = reportError(err);
    },
  );
}
