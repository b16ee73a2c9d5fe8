#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { usageError } from '../errors.js';
import { type Command, reportError } from './common.js';
import { parseCommand } from './parse.js';
import { postErrorsCommand } from './post-errors.js';
import { runCommand } from './run.js';
import { sectorCommand } from './sector.js';
import { setupCommand } from './setup.js';
import { statesCommand } from './states.js';
import { statsCommand } from './stats.js';
import { stuckCommand } from './stuck.js';

const COMMANDS: Command[] = [
  parseCommand,
  runCommand,
  setupCommand,
  sectorCommand,
  statesCommand,
  statsCommand,
  stuckCommand,
  postErrorsCommand,
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
    return await command.run(rest);
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
