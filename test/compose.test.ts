/**
 * docker-compose.yml, checked without a Docker engine: Debian's
 * docker-compose (a real compose parser; .ci/run installs it where missing)
 * validates the file and resolves it, and the resolved services must agree
 * with the code: the image versions with the Elasticsearch the tests run,
 * the ports with the CLI's defaults, every command's flags with what the CLI
 * accepts, its paths with the volumes mounted, and the entry point with the
 * package's bin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_ES_URL } from '../src/elasticsearch.js';
import { ES_VERSION } from '../scripts/lib/local-elasticsearch.js';
import { REPO, runCli } from './helpers/repo.js';

const COMPOSE = '/usr/bin/docker-compose';
const FILE = join(REPO, 'docker-compose.yml');

/* eslint-disable @typescript-eslint/no-explicit-any */
function compose(args: string[]): { code: number | null; stdout: string; stderr: string } {
  if (!existsSync(COMPOSE)) throw new Error(`no ${COMPOSE}: install Debian's compose parser (apt-get install -y docker-compose; .ci/run does)`);
  const r = spawnSync(COMPOSE, ['-f', FILE, ...args], { cwd: REPO, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('docker-compose config -q accepts the file', () => {
  const r = compose(['config', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.trim(), '');
});

test('the resolved services agree with the code: images, ports, commands and their flags, volumes, entry point', async () => {
  const r = compose(['config']);
  assert.equal(r.code, 0, r.stderr);
  const cfg = parse(r.stdout) as any;
  const s = cfg.services;
  assert.deepEqual(Object.keys(s).sort(), ['elasticsearch', 'kibana', 'setup', 'shipper']);
  // The Elasticsearch and Kibana the tests run against, and the same version for both.
  assert.equal(s.elasticsearch.image, `docker.elastic.co/elasticsearch/elasticsearch:${ES_VERSION}`);
  assert.equal(s.kibana.image, `docker.elastic.co/kibana/kibana:${ES_VERSION}`);
  // The CLI's default URL reaches the published port; only on 127.0.0.1.
  const esPort = new URL(DEFAULT_ES_URL).port;
  assert.deepEqual(s.elasticsearch.ports, [`127.0.0.1:${esPort}:9200/tcp`]);
  assert.deepEqual(s.kibana.ports, ['127.0.0.1:5601:5601/tcp']);
  assert.equal(s.kibana.environment.ELASTICSEARCH_HOSTS, 'http://elasticsearch:9200');
  // Each command is a real sub-command whose flags the CLI accepts: with --help added, parseArgs
  // (strict) still refuses any unknown flag, and a known command line prints its help and exits 0.
  for (const name of ['setup', 'shipper']) {
    const cmd: string[] = s[name].command;
    const res = await runCli([...cmd, '--help']);
    assert.equal(res.code, 0, `${name}: sealtrail ${cmd.join(' ')}: ${res.stderr}`);
    assert.match(res.stdout, new RegExp(`^Usage: sealtrail ${cmd[0]} `), name);
    assert.equal(s[name].build.context, REPO);
    const es = cmd[cmd.indexOf('--es') + 1];
    assert.equal(es, 'http://elasticsearch:9200', name);
  }
  assert.equal(s.setup.command[s.setup.command.indexOf('--kibana') + 1], 'http://kibana:5601');
  // The shipper's files live where its volumes are mounted; the logs read-only.
  const ship: string[] = s.shipper.command;
  const arg = (flag: string) => ship[ship.indexOf(flag) + 1]!;
  const mounts = (s.shipper.volumes as (string | { target: string; read_only?: boolean })[]).map((v) => (typeof v === 'string' ? v : `${(v as any).source}:${v.target}${v.read_only ? ':ro' : ''}`));
  const mounted = (path: string) => mounts.find((m) => path.startsWith(m.split(':')[1]! + '/'));
  assert.match(mounted(arg('--path')) ?? '', /:\/logs:ro$/);
  assert.match(mounted(arg('--registry')) ?? '', /^sealtrail-state:\/state(?::rw)?$/);
  assert.match(mounted(arg('--dead-letter')) ?? '', /^sealtrail-state:\/state(?::rw)?$/);
  assert.ok('sealtrail-state' in cfg.volumes);
  // The order: Elasticsearch healthy → Kibana healthy → setup done → shipper.
  assert.equal(s.kibana.depends_on.elasticsearch.condition, 'service_healthy');
  assert.equal(s.setup.depends_on.kibana.condition, 'service_healthy');
  assert.equal(s.shipper.depends_on.setup.condition, 'service_completed_successfully');
  // The image's entry point is the package's bin.
  const bin = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).bin.sealtrail as string;
  assert.match(readFileSync(join(REPO, 'Dockerfile'), 'utf8'), new RegExp(`\\nENTRYPOINT \\["node", "${bin.replace(/\./g, '\\.')}"\\]\\n`));
});
