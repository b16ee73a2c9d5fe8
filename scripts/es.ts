/**
 * `npm run es [-- --port N] [--data DIR]`: a local Elasticsearch in the foreground.
 *
 * Default port 9200, default data directory .cache/es-data/persistent (kept between
 * runs). Ctrl-C (SIGINT) or SIGTERM stops it. If an Elasticsearch already answers on
 * the port, says so and exits 0.
 */
import { join, resolve } from 'node:path';
import { CACHE_DIR, ES_VERSION, portIsFree, probeElasticsearch, startLocalElasticsearch } from './lib/local-elasticsearch.js';

function usage(): never {
  console.error('usage: npm run es -- [--port N] [--data DIR] [--heap MB] [--quiet]');
  process.exit(2);
}

function parseArgs(argv: string[]): { port: number; dataDir: string; heapMb: number; quiet: boolean } {
  let port = 9200;
  let dataDir = join(CACHE_DIR, 'es-data', 'persistent');
  let heapMb = 512;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage();
      return v;
    };
    switch (flag) {
      case '--port':
        port = Number(value());
        if (!Number.isInteger(port) || port < 1 || port > 65535) usage();
        break;
      case '--data':
        dataDir = resolve(value());
        break;
      case '--heap':
        heapMb = Number(value());
        if (!Number.isInteger(heapMb) || heapMb < 128) usage();
        break;
      case '--quiet':
        quiet = true;
        break;
      case '-h':
      case '--help':
        usage();
        break;
      default:
        console.error(`unknown argument: ${argv[i]}`);
        usage();
    }
  }
  return { port, dataDir, heapMb, quiet };
}

async function main(): Promise<number> {
  const { port, dataDir, heapMb, quiet } = parseArgs(process.argv.slice(2));
  const url = `http://127.0.0.1:${port}`;

  const existing = await probeElasticsearch(url);
  if (existing) {
    console.log(`Elasticsearch ${existing.version} (node ${existing.name}, cluster ${existing.clusterName}) already answers at ${url}; nothing to do.`);
    return 0;
  }
  if (!(await portIsFree(port))) {
    console.error(`port ${port} on 127.0.0.1 is taken by something that is not Elasticsearch; choose another with --port N`);
    return 1;
  }

  // Handle signals from the start: stop the node once it is up.
  let stopRequested: NodeJS.Signals | undefined;
  let wake: () => void = () => {};
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopRequested) {
      console.error(`${sig} again: exiting without waiting (the node gets SIGTERM)`);
      process.exit(130);
    }
    stopRequested = sig;
    console.error(`\n${sig}: stopping Elasticsearch ...`);
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  console.log(`starting Elasticsearch ${ES_VERSION} on ${url} (data ${dataDir}) ...`);
  const es = await startLocalElasticsearch({
    port,
    dataDir,
    heapMb,
    log: quiet ? (l) => (l.startsWith('[sealtrail]') ? console.log(l) : undefined) : (l) => console.log(l),
  });
  console.log(`\nElasticsearch ${es.version} is ready at ${es.url}   (Ctrl-C to stop)\n`);

  // The node does not keep the event loop alive by itself; this does, until a signal or its death.
  const keepAlive = setInterval(() => {
    if (!es.running) wake();
  }, 1000);
  await new Promise<void>((res) => {
    wake = res;
    if (stopRequested) res();
  });
  clearInterval(keepAlive);

  if (!stopRequested) {
    console.error('Elasticsearch exited on its own; last lines:\n' + es.logTail(30).join('\n'));
    await es.stop();
    return 1;
  }
  await es.stop();
  console.log('Elasticsearch stopped.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
