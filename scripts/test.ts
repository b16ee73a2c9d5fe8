/**
 * `npm test [-- ARGS]`: runs the compiled tests (build/test/) with `node --test`
 * against an Elasticsearch given in ES_URL.
 *
 * - ES_URL set: that cluster is used as is.
 * - ES_URL unset: a throw-away local node is started (scripts/lib/local-elasticsearch.ts)
 *   and stopped afterwards, also on failure and on SIGINT/SIGTERM; its output goes to
 *   .cache/es-test.log.
 * - `--golden-only`: runs only build/test/golden.test.js, without Elasticsearch.
 *
 * Other arguments go to `node --test`: options (`--test-name-pattern=...`) before the
 * files; file arguments replace the default set (test/x.test.ts is mapped to
 * build/test/x.test.js). Exits with the test runner's exit code.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CACHE_DIR, REPO_ROOT, probeElasticsearch, startLocalElasticsearch, type LocalElasticsearch } from './lib/local-elasticsearch.js';

const BUILD_TEST_DIR = join(REPO_ROOT, 'build', 'test');
const SOURCE_TEST_DIR = join(REPO_ROOT, 'test');
const GOLDEN_TEST = join(BUILD_TEST_DIR, 'golden.test.js');

// node --test options that take their value as the next argument.
const OPTIONS_WITH_VALUE = new Set([
  '--test-name-pattern',
  '--test-skip-pattern',
  '--test-reporter',
  '--test-reporter-destination',
  '--test-concurrency',
  '--test-shard',
  '--test-timeout',
  '--import',
  '--require',
  '-r',
]);

const TEST_FILE = /^(?:test|test-.+|.+[.\-_]test)\.(?:js|mjs|cjs)$/;

/** Compiled test files under build/test/ whose TypeScript source still exists (tsc never deletes stale output). */
function defaultTestFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'fixtures') walk(path);
      } else if (TEST_FILE.test(entry.name)) {
        const source = join(SOURCE_TEST_DIR, relative(BUILD_TEST_DIR, path)).replace(/\.(m|c)?js$/, (_m, k: string | undefined) => `.${k ?? ''}ts`);
        if (existsSync(source) || !existsSync(SOURCE_TEST_DIR)) out.push(path);
        else console.error(`[test] skipping ${relative(REPO_ROOT, path)}: no ${relative(REPO_ROOT, source)} (stale build output)`);
      }
    }
  };
  walk(BUILD_TEST_DIR);
  return out;
}

/** test/foo.test.ts -> build/test/foo.test.js; anything else unchanged. */
function toCompiled(arg: string): string {
  const m = /^(?:\.\/)?((?:test|src|scripts)\/.*)\.(m|c)?ts$/.exec(arg);
  return m ? join('build', `${m[1]}.${m[2] ?? ''}js`) : arg;
}

function splitArgs(argv: string[]): { goldenOnly: boolean; options: string[]; files: string[] } {
  let goldenOnly = false;
  const options: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--golden-only') goldenOnly = true;
    else if (a === '--') {
      files.push(...argv.slice(i + 1).map(toCompiled));
      break;
    } else if (a.startsWith('-')) {
      options.push(a);
      if (!a.includes('=') && OPTIONS_WITH_VALUE.has(a) && i + 1 < argv.length) options.push(argv[++i]!);
    } else files.push(toCompiled(a));
  }
  return { goldenOnly, options, files };
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

async function main(): Promise<number> {
  const { goldenOnly, options, files } = splitArgs(process.argv.slice(2));

  let interrupted: NodeJS.Signals | undefined;
  let runner: ReturnType<typeof spawn> | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) {
      // Second signal: do not wait any longer. The 'exit' handler of local-elasticsearch kills the node.
      runner?.kill('SIGKILL');
      process.exit(128 + (SIGNAL_NUMBERS[sig] ?? 0));
    }
    interrupted = sig;
    console.error(`\n[test] ${sig}: stopping ...`);
    runner?.kill(sig);
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);

  const env: NodeJS.ProcessEnv = { ...process.env };
  let es: LocalElasticsearch | undefined;
  try {
    let targets: string[];
    if (goldenOnly) {
      targets = files.length > 0 ? files : [GOLDEN_TEST];
    } else {
      targets = files.length > 0 ? files : defaultTestFiles();
      if (env.ES_URL) {
        const id = await probeElasticsearch(env.ES_URL, 10_000);
        if (!id) {
          console.error(`[test] ES_URL=${env.ES_URL} does not answer as Elasticsearch (GET /_nodes/_local failed)`);
          return 1;
        }
        console.error(`[test] using Elasticsearch ${id.version} at ${env.ES_URL} (from ES_URL)`);
      } else {
        mkdirSync(CACHE_DIR, { recursive: true });
        const logPath = join(CACHE_DIR, 'es-test.log');
        const logFile = createWriteStream(logPath);
        console.error(`[test] starting a local Elasticsearch (output in ${relative(process.cwd(), logPath) || logPath}) ...`);
        const t0 = Date.now();
        try {
          es = await startLocalElasticsearch({ log: (l) => logFile.write(l + '\n') });
        } catch (e) {
          console.error(`[test] could not start Elasticsearch: ${e instanceof Error ? e.message : String(e)}`);
          return 1;
        }
        env.ES_URL = es.url;
        console.error(`[test] Elasticsearch ${es.version} ready at ${es.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
    if (interrupted) return 128 + (SIGNAL_NUMBERS[interrupted] ?? 0);
    if (targets.length === 0) {
      console.error(`[test] no test files found under ${relative(REPO_ROOT, BUILD_TEST_DIR)}/ (did tsc run?)`);
      return 1;
    }

    const args = ['--test', '--test-concurrency=1', ...options, ...targets];
    runner = spawn(process.execPath, args, { stdio: 'inherit', env, cwd: REPO_ROOT });
    const child = runner;
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (c, s) => res({ code: c, signal: s }));
    });
    if (interrupted) return 128 + (SIGNAL_NUMBERS[interrupted] ?? 0);
    if (signal) return 128 + (SIGNAL_NUMBERS[signal] ?? 0);
    return code ?? 1;
  } finally {
    if (es) {
      await es.stop().catch((e: unknown) => console.error(`[test] stopping Elasticsearch: ${e instanceof Error ? e.message : String(e)}`));
      console.error('[test] Elasticsearch stopped');
    }
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
