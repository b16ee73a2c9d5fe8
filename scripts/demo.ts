/**
 * `npm run demo`: no configuration. Uses $ES_URL, or an Elasticsearch already
 * answering on 127.0.0.1:9200, or starts the local one (kept under .cache/,
 * stopped at the end); ships the bundled sample logs through the real
 * pipeline, then shows a sector timeline, the state counts and the phase
 * durations.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeElasticsearch, startLocalElasticsearch } from './lib/local-elasticsearch.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(REPO, 'build/src/cli/main.js');

function cli(title: string, args: string[]): void {
  process.stdout.write(`\n$ sealtrail ${args.join(' ')}    # ${title}\n`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0 && args[0] !== 'run') throw new Error(`sealtrail ${args[0]} exited ${r.status}`);
}

async function main(): Promise<void> {
  let url = process.env.ES_URL;
  let local: Awaited<ReturnType<typeof startLocalElasticsearch>> | undefined;
  if (!url && (await probeElasticsearch('http://127.0.0.1:9200'))) url = 'http://127.0.0.1:9200';
  if (!url) {
    process.stdout.write('starting a local Elasticsearch (the first time fetches it with Maven)…\n');
    local = await startLocalElasticsearch({ log: () => {} });
    url = local.url;
  }
  try {
    const es = ['--es', url];
    cli('index templates', ['setup', ...es]);
    cli('the bundled sample logs, through the real pipeline', [
      'run', '--once', ...es, '--timezone', 'Asia/Shanghai', '--host', 'demo-sealer', '--dead-letter', join(REPO, '.cache/demo-dead-letter.ndjson'),
      '--path', join(REPO, 'pipelines/*/samples/*.log'),
    ]);
    spawnSync('curl', ['-s', '-XPOST', `${url}/sealtrail-*/_refresh`], { stdio: 'ignore' });
    cli("one sector's history (the seed's grep -a 16692481 sealer.log)", ['sector', '1007-16692481', ...es, '--timezone', 'Asia/Shanghai']);
    cli('sectors per state (select state, count(*) from sectors group by state)', ['states', ...es]);
    cli('phase durations per task type', ['stats', ...es]);
    cli('PoSt read errors by storage host and path', ['post-errors', ...es, '--since', '100000d']);
  } finally {
    if (local) await local.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`demo: ${(err as Error).message}`);
  process.exitCode = 1;
});
