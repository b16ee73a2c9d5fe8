/**
 * `npm run demo`: no configuration. Uses $ES_URL, or an Elasticsearch already
 * answering on 127.0.0.1:9200, or starts the local one (kept under .cache/,
 * stopped at the end). Writes a small cluster's last day of logs
 * (scripts/demo/logs.ts, real line shapes: scripts/demo/SOURCES.md), ships
 * them with the real `sealtrail run --once`, then tells the seeds' stories
 * with the query commands' real output, and writes the report page.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeElasticsearch, startLocalElasticsearch } from './lib/local-elasticsearch.js';
import { DAMOCLES_MINER, FIRST_SECTOR, MINER, REBUILT_SECTOR, STUCK, writeDemoLogs } from './demo/logs.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(REPO, 'build/src/cli/main.js');
const WORK = join(REPO, '.cache/demo');

const say = (text: string) => process.stdout.write(`${text}\n`);

function cli(args: string[], quiet = false): void {
  if (!quiet) say(`\n$ sealtrail ${args.filter((a, i) => args[i - 1] !== '--es' && a !== '--es').join(' ')}`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, stdio: quiet ? 'ignore' : 'inherit', env: { ...process.env, COLUMNS: process.env.COLUMNS ?? '160' } });
  if (r.status !== 0) throw new Error(`sealtrail ${args[0]} exited ${r.status}`);
}

function story(question: string): void {
  say(`\n${'='.repeat(Math.min(100, question.length + 4))}\n  ${question}\n${'='.repeat(Math.min(100, question.length + 4))}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  let url = process.env.ES_URL;
  let local: Awaited<ReturnType<typeof startLocalElasticsearch>> | undefined;
  if (!url && (await probeElasticsearch('http://127.0.0.1:9200'))) url = 'http://127.0.0.1:9200';
  if (!url) {
    say('starting a local Elasticsearch (the first time fetches it with Maven)…');
    local = await startLocalElasticsearch({ log: () => {} });
    url = local.url;
  }
  try {
    const es = ['--es', url];
    say(`Elasticsearch: ${url}`);
    say('installing the index templates (sealtrail setup)…');
    cli(['setup', ...es], true);
    rmSync(WORK, { recursive: true, force: true });
    const logs = writeDemoLogs(join(WORK, 'logs'), Date.now(), REPO);
    say(`writing a small cluster's last day of logs under ${join(WORK, 'logs')}: a lotus-force sealer, a poster, a damocles worker…`);
    say('shipping them through the real pipeline (sealtrail run --once, one host at a time)…');
    for (const [host, file] of Object.entries(logs.files)) {
      cli(['run', '--once', ...es, '--timezone', 'Asia/Shanghai', '--host', host, '--registry', join(WORK, `registry-${host}.json`), '--dead-letter', join(WORK, 'dead-letter.ndjson'), '--path', file]);
    }
    spawnSync('curl', ['-s', '-XPOST', `${url}/sealtrail-*/_refresh`], { stdio: 'ignore' });

    story(`1. Why does sealing stop? ${STUCK} sectors sit in PreCommitWait and the workers get no new tasks.`);
    cli(['states', ...es, '--miner', `f0${MINER}`]);
    cli(['stuck', ...es, '--miner', `f0${MINER}`, '--older', '6h', '--limit', '10']);
    cli(['sector', `${MINER}-${FIRST_SECTOR + 40}`, ...es, '--timezone', 'Asia/Shanghai', '--no-log']);
    say('→ the precommit messages never land: check the chain (lotus chain list) and the message pool.');

    story('2. Power is high but no block is mined: why does every winning PoSt fail?');
    cli(['post-errors', ...es, '--since', '1d', '--host', 'poster-01']);
    say('→ every failure reads /mnt/nfs/10.10.13.22/…: /mnt on the poster is mounted from the wrong storage server.');

    story('3. How long does each phase take, and which host is slow?');
    cli(['stats', ...es, '--by', 'host']);
    cli(['stats', ...es, '--dist']);

    story(`4. What did the rebuild of damocles sector ${DAMOCLES_MINER}-${REBUILT_SECTOR} go through?`);
    cli(['sector', `${DAMOCLES_MINER}-${REBUILT_SECTOR}`, ...es, '--timezone', 'Asia/Shanghai', '--no-log']);
    say('(`sealtrail rebuilds`, the damocles rebuild plan, is not built yet.)');

    const out = join(WORK, 'report.html');
    say('\nwriting the report page…');
    cli(['report', ...es, '--out', out, '--sector', `${MINER}-${FIRST_SECTOR + 40}`]);
    say(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s; open ${out} in a browser.`);
  } finally {
    if (local) await local.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`demo: ${(err as Error).message}`);
  process.exitCode = 1;
});
