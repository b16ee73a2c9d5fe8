/**
 * `npm run bench -- --peers` without the peers themselves (CI does not install them): the
 * expected entry count is the one the peers' own start patterns give, every peer template
 * renders with nothing left unfilled, and a process tree's CPU and peak RSS are read from /proc
 * for the descendants too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENTRY_START, expectedEntries } from '../scripts/bench/peers.js';
import { fill, templateText } from '../scripts/bench/peers/shippers.js';
import { processTree, treeUsage } from '../scripts/bench/peers/proc.js';
import { tempDir } from './helpers/fixtures.js';

const dir = tempDir();

// [line, opens an entry?] for a file whose first line opens one whatever it says.
const LINES: [string, boolean][] = [
  ['2020-06-23T12:28:00.000+0800\tINFO\tmain\tlotus-storage-miner/run.go:70\tChecking full node sync status', true],
  ['mining block failed: failed to compute winning post proof:', false],
  ['    github.com/filecoin-project/lotus/miner.(*Miner).mineOne', false],
  ['', false],
  ['    Caused by:', false],
  ['lotus_1  | 2020-06-23T12:28:01.000+0800 INFO    main    run.go:99    Remote version', true],
  ['1|lotus miner  | 2020-06-23T12:28:02.000+0800\tINFO\tmain\trun.go:99\tRemote version', true],
  ['{"level":"info","ts":"2020-06-23T12:28:03.000+0800","logger":"main","msg":"x"}', true],
  ['Jun 01 17:43:32 lotus-miner-01 lotus-miner[127983]: 2020-06-01T17:43:32.000+0800 INFO x', true],
  ['2020-06-27T19:21:33.205 INFO filcrypto::proofs::api > seal_pre_commit_phase1: start', true],
  ['a prefix that is longer than thirty bytes | 2020-06-23T12:28:04.000+0800 INFO', false],
  ['2020-06-23 12:28:05 a date without its T', false],
  // 10 three-byte characters are 30 bytes: still a prefix; 11 are 33 bytes, 11 characters.
  ['进度进度进度进度进度| 2020-06-23T12:28:06.000+0800 INFO', true],
  ['进度进度进度进度进度进| 2020-06-23T12:28:07.000+0800 INFO', false],
  ['goroutine 1 [running]:', false],
];

function writeCorpus(): string[] {
  const a = join(dir, 'a.log');
  writeFileSync(a, ['continuation-looking first line', ...LINES.map(([l]) => l)].join('\n') + '\n');
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  const last = join(dir, 'last.log');
  writeFileSync(last, Buffer.concat([Buffer.from('2020-06-23T12:28:08.000+0800 INFO a\n\xff\xfe junk \n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('2020-06-23T12:28:09.000+0800 INFO no newline at the end')]));
  return [a, empty, last];
}

test('the expected count: a file\'s first line and every line the start pattern matches (bytes, not characters) open an entry', () => {
  const files = writeCorpus();
  const opening = LINES.filter(([, opens]) => opens).length;
  assert.equal(expectedEntries(files), 1 + opening + 0 + 2);
});

/** The start patterns the peer configurations carry, as JavaScript patterns. */
function configPatterns(): Record<string, RegExp> {
  const sng = /multi-line-prefix\('([^']+)'\)/.exec(templateText('syslog-ng.conf'))![1]!;
  const rsy = /startmsg\.regex="([^"]+)"/.exec(templateText('rsyslog.conf'))![1]!.replace(/\\\\/g, '\\');
  const fb = /state: start_state\s+regex: '\/(.+)\/'/.exec(templateText('parsers.yaml'))![1]!;
  return { 'syslog-ng': new RegExp(sng), rsyslog: new RegExp(rsy), 'fluent-bit': new RegExp(fb) };
}

test('the count\'s pattern is the one each peer configuration joins entries by', () => {
  const patterns = configPatterns();
  assert.deepEqual(Object.keys(patterns).sort(), ['fluent-bit', 'rsyslog', 'syslog-ng']);
  for (const [name, re] of Object.entries(patterns)) {
    for (const [line] of LINES) {
      // The peers match bytes: the same line as latin1 is what they see.
      const bytes = Buffer.from(line).toString('latin1');
      assert.equal(re.test(bytes), ENTRY_START.test(bytes), `${name} and the count disagree on ${JSON.stringify(line)}`);
    }
  }
});

test('every peer template renders with each name filled in, and an unknown name is refused', () => {
  const values = { CORPUS: '/c', RUN: '/r', FILES: '3', IW_SIZE: '30000', ES_URL: 'http://127.0.0.1:1', ES_HOST: '127.0.0.1', ES_PORT: '1', INDEX: 'peer-x' };
  for (const t of ['syslog-ng.conf', 'rsyslog.conf', 'zap.rulebase', 'fluent-bit.yaml', 'parsers.yaml']) {
    const out = fill(t, templateText(t), values);
    assert.doesNotMatch(out, /\{\{[A-Z_]+\}\}/, t);
    assert.doesNotMatch(out, /\/tmp\/peer-|:9200\b/, `${t} still names the measured run's fixed paths or port`);
  }
  assert.match(fill('syslog-ng.conf', templateText('syslog-ng.conf'), values), /base-dir\("\/c"\)[\s\S]*max-files\(3\)[\s\S]*url\("http:\/\/127\.0\.0\.1:1\/_bulk"\)[\s\S]*index\("peer-x"\)/);
  assert.match(fill('rsyslog.conf', templateText('rsyslog.conf'), values), /rulebase="\/r\/zap\.rulebase"[\s\S]*server="127\.0\.0\.1" serverport="1"/);
  assert.throws(() => fill('t', 'a {{NOPE}} b', values), /unknown template name \{\{NOPE\}\}/);
});

test('a process tree\'s CPU and peak RSS include its descendants', async () => {
  // A shell whose grandchild (node) burns CPU; the shell itself burns none.
  const burn = `while(process.cpuUsage().user<500000){}setInterval(()=>{},1000)`;
  const sh = spawn('sh', ['-c', `"${process.execPath}" -e '${burn}' & wait`], { stdio: 'ignore' });
  try {
    let u = treeUsage(sh.pid!);
    for (let i = 0; i < 300 && u.user + u.sys < 0.4; i++) {
      await sleep(100);
      u = treeUsage(sh.pid!);
    }
    assert.ok(u.processes >= 2, `${u.processes} processes`);
    assert.ok(u.user + u.sys >= 0.4, `${u.user + u.sys} CPU-s`);
    assert.ok(u.hwmMiB > 20, `${u.hwmMiB} MiB`); // node's own RSS is well above 20 MiB
  } finally {
    for (const pid of processTree(sh.pid!).reverse()) process.kill(pid, 'SIGKILL');
  }
});
