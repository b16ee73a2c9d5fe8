/**
 * A real PostgreSQL for the tests (issue 11): Debian's server binaries
 * (/usr/lib/postgresql/<version>/bin, `.ci/run` installs `postgresql`),
 * a cluster made by initdb in a temporary directory, listening on a free
 * loopback port with password (scram-sha-256) logins, stopped afterwards.
 * initdb and the server refuse to run as root: as root, both run as
 * `nobody` through runuser, and the directory is given to that user.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './prom.js';

const run = promisify(execFile);

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  dir: string;
  /** Runs SQL as the superuser (a new connection each time). */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Stops the server (`fast`: connections are closed), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  remove(): Promise<void>;
  log(): string;
}

export function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql; .ci/run does)');
  return join(base, versions[0]!, 'bin');
}

const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

async function as(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const cmd = asRoot ? 'runuser' : bin;
  const argv = asRoot ? ['-u', 'nobody', '--', bin, ...args] : args;
  return run(cmd, argv, { maxBuffer: 16 * 1024 * 1024 });
}

/** A new cluster in a directory of its own under the system's temporary directory (which `nobody` can reach). */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'sealtrail-pg-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock, { recursive: true });
  const password = 'curio-test-pw';
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`);
  if (asRoot) {
    for (const p of [dir, sock, pwfile]) chownSync(p, NOBODY, NOBODY);
  }
  chmodSync(dir, 0o700);
  await as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const logFile = join(dir, 'postgres.log');
  const opts = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = async () => {
    await as(join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-o', opts, '-w', '-t', '60', 'start']);
  };
  await start();
  const server: PostgresServer = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    dir,
    async query(sql, params) {
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
      await c.connect();
      try {
        return await c.query(sql, params as unknown[]);
      } finally {
        await c.end();
      }
    },
    async stop() {
      await as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => {});
    },
    start,
    async remove() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
  return server;
}

/**
 * Curio's tables as its migrations make them (harmony/harmonydb/sql/ at
 * filecoin-project/curio e0294b0f): the columns sealtrail reads, with
 * Curio's names and types, in schema `curio` (HarmonyDB's).
 */
export const CURIO_SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS curio;
SET search_path TO curio;
-- 20230719-harmony.sql, 20231113-harmony_taskhistory_oops.sql, 20240522-ts-to-timestampz.sql
CREATE TABLE harmony_task_history (
    id SERIAL PRIMARY KEY NOT NULL,
    task_id INTEGER NOT NULL,
    name VARCHAR(16) NOT NULL,
    posted TIMESTAMPTZ NOT NULL,
    work_start TIMESTAMPTZ NOT NULL,
    work_end TIMESTAMPTZ NOT NULL,
    result BOOLEAN NOT NULL,
    err varchar,
    completed_by_host_and_port varchar(300) NOT NULL
);
-- 20231217-sdr-pipeline.sql (+ 20240617-synthetic-proofs.sql, 20240522-ts-to-timestampz.sql)
CREATE TABLE sectors_sdr_pipeline (
    sp_id bigint not null,
    sector_number bigint not null,
    create_time timestamptz not null default current_timestamp,
    reg_seal_proof int not null,
    ticket_epoch bigint,
    ticket_value bytea,
    task_id_sdr bigint,
    after_sdr bool not null default false,
    tree_d_cid text,
    task_id_tree_d bigint,
    after_tree_d bool not null default false,
    task_id_tree_c bigint,
    after_tree_c bool not null default false,
    tree_r_cid text,
    task_id_tree_r bigint,
    after_tree_r bool not null default false,
    task_id_synth bigint,
    after_synth bool not null default false,
    precommit_msg_cid text,
    task_id_precommit_msg bigint,
    after_precommit_msg bool not null default false,
    seed_epoch bigint,
    precommit_msg_tsk bytea,
    after_precommit_msg_success bool not null default false,
    seed_value bytea,
    task_id_porep bigint,
    porep_proof bytea,
    after_porep bool not null default false,
    task_id_finalize bigint,
    after_finalize bool not null default false,
    task_id_move_storage bigint,
    after_move_storage bool not null default false,
    commit_msg_cid text,
    task_id_commit_msg bigint,
    after_commit_msg bool not null default false,
    commit_msg_tsk bytea,
    after_commit_msg_success bool not null default false,
    failed bool not null default false,
    failed_at timestamptz,
    failed_reason varchar(20) not null default '',
    failed_reason_msg text not null default '',
    primary key (sp_id, sector_number)
);
-- 20240611-snap-pipeline.sql (+ 20240809-snap-failures.sql), without its foreign key to sectors_meta
CREATE TABLE sectors_snap_pipeline (
    sp_id BIGINT NOT NULL,
    sector_number BIGINT NOT NULL,
    start_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    upgrade_proof INT NOT NULL,
    data_assigned BOOLEAN NOT NULL DEFAULT TRUE,
    update_unsealed_cid TEXT,
    update_sealed_cid TEXT,
    task_id_encode BIGINT,
    after_encode BOOLEAN NOT NULL DEFAULT FALSE,
    proof BYTEA,
    task_id_prove BIGINT,
    after_prove BOOLEAN NOT NULL DEFAULT FALSE,
    prove_msg_cid TEXT,
    task_id_submit BIGINT,
    after_submit BOOLEAN NOT NULL DEFAULT FALSE,
    after_prove_msg_success BOOLEAN NOT NULL DEFAULT FALSE,
    prove_msg_tsk BYTEA,
    task_id_move_storage BIGINT,
    after_move_storage BOOLEAN NOT NULL DEFAULT FALSE,
    failed BOOLEAN NOT NULL DEFAULT FALSE,
    failed_at TIMESTAMP WITH TIME ZONE,
    failed_reason VARCHAR(20) NOT NULL DEFAULT '',
    failed_reason_msg TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (sp_id, sector_number)
);
-- 20240814-pipeline-task-events.sql (+ the index of 20241106-market-fixes.sql)
CREATE TABLE sectors_pipeline_events (
    sp_id BIGINT NOT NULL,
    sector_number BIGINT NOT NULL,
    task_history_id BIGINT NOT NULL,
    PRIMARY KEY (sp_id, sector_number, task_history_id)
);
CREATE UNIQUE INDEX sectors_pipeline_events_task_history_id_uindex ON sectors_pipeline_events (task_history_id, sp_id, sector_number);
`;
