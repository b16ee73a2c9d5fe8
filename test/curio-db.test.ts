/**
 * The `curio_db` input of `run` (issue 11) against a real PostgreSQL
 * (Debian's, started by test/helpers/postgres.ts) holding Curio's tables
 * with Curio's column names and types, and a real Elasticsearch: a fleet's
 * history into task events with durations and hosts, the sector pipelines
 * into the sectors index, a Curio log beside it (the failure joined to its
 * start), `states`, `sector` and `stats --by host` answering; a task that
 * runs across a restart; kill -9 mid-history losing and doubling nothing;
 * a database that goes away waited for; a wrong password one clear line.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { runCli } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';
import { CURIO_SCHEMA_SQL, startPostgres, type PostgresServer } from './helpers/postgres.js';
import { startShipper, terminate, waitFor, type Shipper } from './helpers/tail.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const client = new Client({ node: ES });
const RUN = Date.now().toString(36);
const dir = tempDir('sealtrail-curio-');
const started: Shipper[] = [];
let pgs: PostgresServer;

before(async () => {
  pgs = await startPostgres();
  const res = await runCli(['setup', '--es', ES]);
  assert.equal(res.code, 0, res.stderr);
});

after(async () => {
  for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await pgs?.remove();
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A database of its own per test: `CREATE DATABASE`, Curio's schema in it. */
async function curioDatabase(name: string): Promise<string> {
  await pgs.query(`CREATE DATABASE ${name}`);
  const pg = await import('pg');
  const c = new pg.default.Client({ host: pgs.host, port: pgs.port, user: pgs.user, password: pgs.password, database: name });
  await c.connect();
  await c.query(CURIO_SCHEMA_SQL);
  await c.end();
  return name;
}

async function sql(db: string, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const pg = await import('pg');
  const c = new pg.default.Client({ host: pgs.host, port: pgs.port, user: pgs.user, password: pgs.password, database: db });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

function config(name: string, db: string, extra: { paths?: string[]; more?: string } = {}): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `registry: ${join(dir, `${name}-registry.json`)}`,
      `dead_letter: ${join(dir, `${name}-dl.ndjson`)}`,
      'status_interval: 0',
      ...(extra.paths ? ['inputs:', `  - paths: [${extra.paths.join(', ')}]`, '    timezone: UTC', `    host: ${name}-log`] : []),
      'curio_db:',
      `  host: ${pgs.host}`,
      `  port: ${pgs.port}`,
      `  user: ${pgs.user}`,
      `  database: ${db}`,
      '  poll_interval: 0.2',
      '  sectors_interval: 0.5',
      '  settle_seconds: 0',
      ...(extra.more ? [extra.more] : []),
    ].join('\n') + '\n',
  );
  return file;
}

const env = () => ({ CURIO_DB_PASSWORD: pgs.password, ES_URL: ES });

interface HistoryInsert {
  taskId: number;
  name: string;
  startMs: number;
  endMs: number;
  ok?: boolean;
  err?: string;
  host: string;
  sector?: [number, number];
}

/** Rows as Curio's recordCompletion writes them: the history row, and its sector in sectors_pipeline_events. */
async function insertHistory(db: string, rows: HistoryInsert[]): Promise<number[]> {
  const ids: number[] = [];
  for (const r of rows) {
    const [row] = await sql(
      db,
      `INSERT INTO curio.harmony_task_history (task_id, name, posted, work_start, work_end, result, completed_by_host_and_port, err)
       VALUES ($1, $2, $3, $3, $4, $5, $6, $7) RETURNING id`,
      [r.taskId, r.name, new Date(r.startMs), new Date(r.endMs), r.ok ?? true, r.host, r.ok === false ? (r.err ?? 'error: unspecified') : ''],
    );
    const id = Number(row!.id);
    ids.push(id);
    if (r.sector) await sql(db, 'INSERT INTO curio.sectors_pipeline_events (sp_id, sector_number, task_history_id) VALUES ($1, $2, $3)', [r.sector[0], r.sector[1], id]);
  }
  return ids;
}

async function docsOf(query: Record<string, unknown>): Promise<Record<string, any>[]> {
  await client.indices.refresh({ index: 'sealtrail-*' });
  const res = await client.search({ index: 'sealtrail-events-*', size: 5000, query, sort: [{ '@timestamp': 'asc' }] });
  return res.hits.hits.map((h) => ({ _id: h._id, ...(h._source as object) }));
}

const byPath = (path: string) => ({ term: { 'log.file.path': path } });
const H = 3600_000;

test('curio_db: a fleet\'s history and pipelines, with its log, in the events and the sectors index; states, sector and stats --by host answer', async () => {
  const db = await curioDatabase(`fleet_${RUN}`);
  const miner = 200_000 + Math.floor(Math.random() * 700_000);
  const hostA = `sealer-a-${RUN}`;
  const hostB = `sealer-b-${RUN}`;
  const t0 = Date.now() - 48 * H;
  const rows: HistoryInsert[] = [];
  let task = 5000;
  // Six sectors through SDR, TreeD, TreeRC on two hosts; sector 3's PoRep fails and keeps its task id in the pipeline.
  for (let n = 1; n <= 6; n++) {
    const host = n % 2 ? hostA : hostB;
    const s0 = t0 + n * 60_000;
    rows.push({ taskId: task++, name: 'SDR', startMs: s0, endMs: s0 + (3 + n) * H, host: `${host}:12300`, sector: [miner, n] });
    rows.push({ taskId: task++, name: 'TreeD', startMs: s0 + 10 * H, endMs: s0 + 10 * H + 600_000, host: `${host}:12300`, sector: [miner, n] });
    rows.push({ taskId: task++, name: 'TreeRC', startMs: s0 + 11 * H, endMs: s0 + 11 * H + 40 * 60_000, host: `${host}:12300`, sector: [miner, n] });
  }
  const porepTask = 6003;
  rows.push({ taskId: porepTask, name: 'PoRep', startMs: t0 + 20 * H, endMs: t0 + 20 * H + 12 * 60_000, ok: false, err: 'error: failed to finalize the proof: porep failed to validate', host: `${hostA}:12300` });
  rows.push({ taskId: 7001, name: 'WdPost', startMs: t0 + 21 * H, endMs: t0 + 21 * H + 90_000, host: `${hostB}:12300` });
  await insertHistory(db, rows);
  // The pipeline: 1, 2 proving; 3 waits in PoRep (its task id there); 4 in PreCommitWait; 5 failed; 6 in TreeRC.
  const all = ['after_sdr', 'after_tree_d', 'after_tree_c', 'after_tree_r', 'after_synth', 'after_precommit_msg', 'after_precommit_msg_success', 'after_porep', 'after_finalize', 'after_move_storage', 'after_commit_msg', 'after_commit_msg_success'];
  const upTo = (k: number) => all.map((f, i) => `${f} = ${i < k}`).join(', ');
  for (let n = 1; n <= 6; n++) await sql(db, 'INSERT INTO curio.sectors_sdr_pipeline (sp_id, sector_number, reg_seal_proof, create_time) VALUES ($1, $2, 8, $3)', [miner, n, new Date(t0)]);
  await sql(db, `UPDATE curio.sectors_sdr_pipeline SET ${upTo(12)}, precommit_msg_cid = 'bafy2bzacepc', commit_msg_cid = 'bafy2bzacecommit' WHERE sector_number IN (1, 2) AND sp_id = $1`, [miner]);
  await sql(db, `UPDATE curio.sectors_sdr_pipeline SET ${upTo(7)}, task_id_porep = $2 WHERE sector_number = 3 AND sp_id = $1`, [miner, porepTask]);
  await sql(db, `UPDATE curio.sectors_sdr_pipeline SET ${upTo(6)} WHERE sector_number = 4 AND sp_id = $1`, [miner]);
  await sql(db, `UPDATE curio.sectors_sdr_pipeline SET ${upTo(4)}, failed = true, failed_at = $2, failed_reason = 'precommit-check', failed_reason_msg = 'ticket expired' WHERE sector_number = 5 AND sp_id = $1`, [miner, new Date(t0 + 30 * H)]);
  await sql(db, `UPDATE curio.sectors_sdr_pipeline SET ${upTo(2)} WHERE sector_number = 6 AND sp_id = $1`, [miner]);
  // Sector 2, proving, is being snapped: the snap pipeline's row is later, so its state wins.
  await sql(db, 'INSERT INTO curio.sectors_snap_pipeline (sp_id, sector_number, upgrade_proof, start_time, after_encode) VALUES ($1, 2, 3, $2, true)', [miner, new Date(t0 + 40 * H)]);
  // Curio's log of the same PoRep task: its start names the sector, its failure only the task id.
  const T = '\t';
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
  const log = join(dir, `fleet-${RUN}.log`);
  writeFileSync(
    log,
    `${iso(t0 + 20 * H)}${T}INFO${T}harmonytask${T}harmonytask/task_type_handler.go:286${T}Beginning work on Task${T}{"id": ${porepTask}, "from": "poller", "name": "PoRep", "sector": {"Miner":${miner},"Number":3}}\n` +
      `${iso(t0 + 20 * H + 12 * 60_000)}${T}ERROR${T}harmonytask${T}harmonytask/task_type_handler.go:354${T}Do() returned error${T}{"type": "PoRep", "id": "${porepTask}", "error": "failed to finalize the proof: porep failed to validate"}\n`,
  );
  const cfg = config(`fleet-${RUN}`, db, { paths: [log] });
  const r = await runCli(['run', '--once', '--config', cfg, '--registry', join(dir, `fleet-${RUN}-registry.json`)], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^curio_db\s+20 history rows, 7 sector states$/m, r.stdout);

  const path = `curio_db:${db}.curio`;
  const fromDb = await docsOf(byPath(path));
  const tasks = fromDb.filter((d) => d.event.action === 'task-finished' || d.event.action === 'task-failed');
  assert.equal(tasks.length, 19, 'every task row but the WdPost one is a task event');
  const sdr1 = tasks.find((d) => d.filecoin.task.name === 'SDR' && d.filecoin.sector.number === 1)!;
  assert.equal(sdr1.filecoin.task.type, 'PC1');
  assert.equal(sdr1.event.duration, 4 * H * 1e6, 'event.duration = work_end − work_start, in ns');
  assert.equal(sdr1.host.name, hostA, 'host.name from completed_by_host_and_port');
  assert.equal(sdr1.filecoin.miner.id, miner);
  const failed = tasks.find((d) => d.event.action === 'task-failed')!;
  assert.equal(failed.filecoin.sector.number, 3, 'the failed task found its sector through task_id_porep');
  assert.equal(failed.error.message, 'failed to finalize the proof: porep failed to validate');
  const post = fromDb.filter((d) => d.event.action === 'post-finished');
  assert.equal(post.length, 1);
  assert.equal(post[0]!.filecoin.post.type, 'window');
  const logFailure = (await docsOf(byPath(log))).find((d) => d.event.action === 'task-failed')!;
  assert.equal(logFailure.filecoin.sector.number, 3, 'the log\'s failure is joined to its start by task id');
  assert.equal(logFailure.filecoin.miner.id, miner);

  const states = await runCli(['states', '--es', ES, '--miner', `f0${miner}`, '--json']);
  assert.equal(states.code, 0, states.stderr);
  const counts = Object.fromEntries((JSON.parse(states.stdout) as { state: string; count: number }[]).map((s) => [s.state, s.count]));
  assert.deepEqual(counts, { Proving: 1, UpdateProve: 1, PoRep: 1, PreCommitWait: 1, Failed: 1, TreeRC: 1 });

  const sector = await runCli(['sector', `${miner}-3`, '--es', ES, '--json']);
  assert.equal(sector.code, 0, sector.stderr);
  const timeline = JSON.parse(sector.stdout) as { action: string; task_type?: string; duration_ms?: number; error?: string }[];
  const actions = timeline.map((e) => e.action);
  assert.ok(actions.filter((a) => a === 'task-finished').length >= 3, `SDR, TreeD, TreeRC finished: ${actions.join(',')}`);
  assert.ok(actions.includes('task-failed'), 'the failure is on the timeline');
  assert.ok(actions.includes('sector-observed'), 'and the pipeline state');

  const stats = await runCli(['stats', '--es', ES, '--miner', `f0${miner}`, '--by', 'host', '--json']);
  assert.equal(stats.code, 0, stats.stderr);
  const rowsOut = JSON.parse(stats.stdout) as { task_type: string; host?: string; count: number }[];
  const pc1 = rowsOut.filter((x) => x.task_type === 'PC1');
  assert.deepEqual(pc1.map((x) => [x.host, x.count]).sort(), [[hostA, 3], [hostB, 3]]);

  const stuck = await runCli(['stuck', '--es', ES, '--miner', `f0${miner}`, '--older', '1h', '--json']);
  assert.equal(stuck.code, 0, stuck.stderr);
  const stuckStates = (JSON.parse(stuck.stdout) as { state: string }[]).map((x) => x.state).sort();
  assert.deepEqual(stuckStates, ['Failed', 'PoRep', 'PreCommitWait', 'TreeRC', 'UpdateProve'], 'every sector not at rest is stuck: their states are hours old');

  // The sectors index: the failure reason and the state's time.
  const failedSector = await client.get({ index: 'sealtrail-sectors', id: `${miner}-5` });
  const src = failedSector._source as Record<string, any>;
  assert.equal(src.filecoin.sector.state, 'Failed');
  assert.equal(Date.parse(src.filecoin.sector.state_since), t0 + 30 * H, 'state_since is failed_at');

  // A task that ran across the restart: started before the first run, ended after; plus one more. Same registry.
  const ids = await insertHistory(db, [
    { taskId: 6100, name: 'PoRep', startMs: t0 - H, endMs: Date.now() - 1000, host: `${hostA}:12300`, sector: [miner, 4] },
    { taskId: 6101, name: 'Finalize', startMs: Date.now() - 2000, endMs: Date.now() - 1000, host: `${hostB}:12300`, sector: [miner, 1] },
  ]);
  const r2 = await runCli(['run', '--once', '--config', cfg, '--registry', join(dir, `fleet-${RUN}-registry.json`)], { env: env() });
  assert.equal(r2.code, 0, r2.stderr);
  const again = (await docsOf(byPath(path))).filter((d) => d.event.action !== 'sector-observed');
  assert.equal(again.length, 22, 'the two new rows, nothing lost, nothing doubled');
  const long = again.find((d) => d.filecoin.task?.id === 6100)!;
  assert.ok(long.event.duration > 48 * H * 1e6, 'the long task has its whole duration');
  const reg = JSON.parse(readFileSync(join(dir, `fleet-${RUN}-registry.json`), 'utf8')).files as Record<string, { offset: number }>;
  assert.equal(reg[`curio_db:${db}.curio:harmony_task_history`]!.offset, ids[1], 'the checkpoint is the last acknowledged history id');
});

test('curio_db: kill -9 of the shipper in the middle of the history loses and doubles nothing', async () => {
  const db = await curioDatabase(`kill_${RUN}`);
  const host = `kill-${RUN}`;
  const cfg = config(`kill-${RUN}`, db);
  const total = 1500;
  let inserted = 0;
  const pg = await import('pg');
  const conn = new pg.default.Client({ host: pgs.host, port: pgs.port, user: pgs.user, password: pgs.password, database: db });
  await conn.connect();
  // One connection, 10 rows a statement, every 200 ms (30 s in all): the history grows while the shipper is killed.
  const writer = (async () => {
    while (inserted < total) {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let i = 0; i < 10; i++, inserted++) {
        const t = Date.now() - 60_000;
        params.push(10_000 + inserted, new Date(t - 3 * H), new Date(t), `${host}:12300`);
        const k = params.length;
        values.push(`($${k - 3}, 'SDR', $${k - 2}, $${k - 2}, $${k - 1}, true, $${k}, '')`);
      }
      await conn.query(`INSERT INTO curio.harmony_task_history (task_id, name, posted, work_start, work_end, result, completed_by_host_and_port, err) VALUES ${values.join(', ')}`, params);
      await sleep(200);
    }
  })();
  const regFile = join(dir, `kill-${RUN}-registry.json`);
  const offsets: number[] = [];
  const mid = (o: number) => o > 0 && o < total;
  // At least three kills; more (up to eight) until one came after a checkpoint and before the end.
  for (let i = 0; i < 8 && (i < 3 || !offsets.some(mid)); i++) {
    const s = startShipper(['run', '--config', cfg], { env: env() });
    started.push(s);
    await waitFor('the shipper to read the database', () => s.stderr().includes("reading Curio's database"), 30_000, 50);
    // Acknowledgements come with the sectors window (5 s) and the registry is saved every second:
    // kills 3 to 9 s in land before and after checkpoints.
    await sleep(3000 + Math.floor(Math.random() * 6000));
    s.child.kill('SIGKILL');
    const r = await s.exited;
    assert.equal(r.signal, 'SIGKILL', `round ${i}: it died of the kill: ${s.stderr()}`);
    try {
      offsets.push(JSON.parse(readFileSync(regFile, 'utf8')).files[`curio_db:kill_${RUN}.curio:harmony_task_history`]?.offset ?? 0);
    } catch {
      offsets.push(0);
    }
  }
  const rowsThen = inserted;
  await writer;
  await conn.end();
  assert.ok(offsets.some(mid), `some kill came in the middle of the history (checkpoints after each kill: ${offsets.join(', ')}; rows written by the last kill: ${rowsThen})`);
  const s = startShipper(['run', '--config', cfg], { env: env() });
  started.push(s);
  const path = `curio_db:${db}.curio`;
  const count = async () => {
    await client.indices.refresh({ index: 'sealtrail-events-*' });
    return (await client.count({ index: 'sealtrail-events-*', query: { bool: { filter: [byPath(path), { term: { 'event.action': 'task-finished' } }] } } })).count;
  };
  await waitFor('every history row in Elasticsearch', async () => (await count()) >= total, 60_000, 500);
  await sleep(1000);
  assert.equal(await count(), total, 'one document per history row');
  const docs = await docsOf(byPath(path));
  const taskIds = new Set(docs.filter((d) => d.event.action === 'task-finished').map((d) => d.filecoin.task.id));
  assert.equal(taskIds.size, total, 'each row exactly once');
  const t = await terminate(s);
  assert.equal(t.code, 0, s.stderr());
});

test('curio_db: a row whose transaction commits after a higher id was read is shipped, across a kill -9 too, and nothing doubles', async () => {
  const db = await curioDatabase(`late_${RUN}`);
  const host = `late-${RUN}`;
  const cfg = config(`late-${RUN}`, db);
  const regFile = join(dir, `late-${RUN}-registry.json`);
  const key = `curio_db:${db}.curio:harmony_task_history`;
  const checkpoint = (): number | undefined => {
    try {
      return JSON.parse(readFileSync(regFile, 'utf8')).files[key]?.offset;
    } catch {
      return undefined;
    }
  };
  const row = (taskId: number): HistoryInsert => ({ taskId, name: 'SDR', startMs: Date.now() - 2 * H, endMs: Date.now() - H, host: `${host}:1`, sector: [97501, taskId] });
  const pg = await import('pg');
  const open = async (): Promise<{ id: number; commit: () => Promise<void> }> => {
    const c = new pg.default.Client({ host: pgs.host, port: pgs.port, user: pgs.user, password: pgs.password, database: db });
    await c.connect();
    await c.query('BEGIN');
    const r = row(0);
    const [res] = (
      await c.query(
        `INSERT INTO curio.harmony_task_history (task_id, name, posted, work_start, work_end, result, completed_by_host_and_port, err)
         VALUES ($1, 'SDR', $2, $2, $3, true, $4, '') RETURNING id`,
        [900, new Date(r.startMs), new Date(r.endMs), r.host],
      )
    ).rows as { id: string }[];
    return { id: Number(res!.id), commit: async () => (await c.query('COMMIT'), await c.end()) };
  };
  const path = `curio_db:${db}.curio`;
  const count = async () => {
    await client.indices.refresh({ index: 'sealtrail-events-*' });
    return (await client.count({ index: 'sealtrail-events-*', query: { bool: { filter: [byPath(path), { term: { 'event.action': 'task-finished' } }] } } })).count;
  };

  const [first] = await insertHistory(db, [row(1)]);
  const slow = await open(); // its id is taken now, its row visible only at COMMIT
  const [third] = await insertHistory(db, [row(3)]);
  assert.ok(first! < slow.id && slow.id < third!, `ids in insert order: ${first}, ${slow.id}, ${third}`);
  let s = startShipper(['run', '--config', cfg], { env: env() });
  started.push(s);
  await waitFor('the two committed rows', async () => (await count()) === 2, 30_000, 300);
  await waitFor('a checkpoint', () => checkpoint() !== undefined, 30_000, 200);
  await sleep(1500);
  assert.equal(checkpoint(), first, 'the checkpoint stays below the id not yet committed');
  s.child.kill('SIGKILL');
  await s.exited;
  await slow.commit();

  s = startShipper(['run', '--config', cfg], { env: env() });
  started.push(s);
  await waitFor('the late row after the restart', async () => (await count()) === 3, 30_000, 300);
  await waitFor('the checkpoint past every row', () => checkpoint() === third, 30_000, 200);
  // And without a restart: a row committed after the shipper read past it.
  const slower = await open();
  const [fifth] = await insertHistory(db, [row(5)]);
  await waitFor('the fifth row', async () => (await count()) === 4, 30_000, 300);
  await slower.commit();
  await waitFor('the late row, read again on a poll', async () => (await count()) === 5, 30_000, 300);
  await waitFor('the checkpoint past it', () => checkpoint() === fifth, 30_000, 200);
  await sleep(1000);
  assert.equal(await count(), 5, 'each row once');
  const t = await terminate(s);
  assert.equal(t.code, 0, s.stderr());
});

test('curio_db: a database that goes away is waited for, and reading goes on when it is back', async () => {
  const db = await curioDatabase(`away_${RUN}`);
  const host = `away-${RUN}`;
  const cfg = config(`away-${RUN}`, db);
  await insertHistory(db, [{ taskId: 1, name: 'SDR', startMs: Date.now() - 2 * H, endMs: Date.now() - H, host: `${host}:1`, sector: [97401, 1] }]);
  const s = startShipper(['run', '--config', cfg], { env: env() });
  started.push(s);
  const path = `curio_db:${db}.curio`;
  const n = async (action: string) => (await docsOf({ bool: { filter: [byPath(path), { term: { 'event.action': action } }] } })).length;
  await waitFor('the first row', async () => (await n('task-finished')) === 1, 30_000, 300);
  await pgs.stop();
  await waitFor('the shipper to say it waits', () => /went away|waiting for the Curio database/.test(s.stderr()), 30_000, 200);
  await sleep(1500);
  assert.equal(s.child.exitCode, null, `it keeps running while the database is away: ${s.stderr()}`);
  await pgs.start();
  await insertHistory(db, [{ taskId: 2, name: 'TreeD', startMs: Date.now() - 2 * H, endMs: Date.now() - H, host: `${host}:1`, sector: [97401, 1] }]);
  await waitFor('the row written while it was back', async () => (await n('task-finished')) === 2, 60_000, 300);
  assert.match(s.stderr(), /the Curio database at 127\.0\.0\.1:\d+\/\S+ is back/);
  const t = await terminate(s);
  assert.equal(t.code, 0, s.stderr());
});

test('curio_db: a wrong password is one clear line and exit 2, in --once and tailing', async () => {
  const db = await curioDatabase(`pw_${RUN}`);
  const cfg = config(`pw-${RUN}`, db);
  const r = await runCli(['run', '--once', '--config', cfg], { env: { ...env(), CURIO_DB_PASSWORD: 'not-the-password' } });
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^sealtrail: the Curio database at 127\.0\.0\.1:\d+\/pw_\w+ refused the login: .*password.* \(check curio_db\.user .*\) \[E_CURIO_DB_AUTH\]$/);
  assert.ok(!r.stderr.includes('not-the-password'), 'the password is never printed');
  const s = startShipper(['run', '--config', cfg], { env: { ...env(), CURIO_DB_PASSWORD: 'not-the-password' } });
  started.push(s);
  const end = await s.exited;
  assert.equal(end.code, 2, s.stderr());
  assert.equal(s.stderr().split('\n').filter((l) => l.includes('E_CURIO_DB_AUTH')).length, 1, s.stderr());
  // And the password is refused in the config file.
  const bad = join(dir, 'pw-in-config.yaml');
  writeFileSync(bad, `curio_db:\n  host: 127.0.0.1\n  password: hunter2\n`);
  const c = await runCli(['run', '--once', '--config', bad]);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /curio_db\.password: the password is never read from the config file .*\[E_CONFIG\]/);
  writeFileSync(bad, `curio_db:\n  url: postgres://postgres:hunter2@127.0.0.1:5432/x\n`);
  const u = await runCli(['run', '--once', '--config', bad]);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /curio_db\.url holds a password/);
  assert.ok(!u.stderr.includes('hunter2'), u.stderr);
});
