/**
 * Local, throw-away Elasticsearch for tests, the demo and development.
 *
 * Uses the "integ-test-zip" distribution from Maven Central (no bundled JDK,
 * only the modules apm, transport-netty4, x-pack-core and x-pack-security:
 * no ingest-common, painless, data streams, ILM, mapper-extras or rest-root,
 * so `GET /` answers 405). It runs on the machine's Java 17+.
 *
 * Layout (all under <repo>/.cache, which is git-ignored):
 *   .cache/downloads/elasticsearch-<ver>.zip     the zip, fetched by Maven
 *   .cache/elasticsearch-<ver>/                  the unpacked distribution (read-only use)
 *   .cache/es-data/<random>/{data,logs,config,tmp}   one temporary node (removed on stop)
 *   <dataDir>/{data,logs,config,tmp}             a persistent node (kept)
 *
 * Every node gets its own copy of config/ (ES_PATH_CONF), so nodes never share
 * a keystore and the distribution itself is never written to. Elasticsearch
 * refuses to run as root: as root, the node's directory is chowned to
 * nobody (65534:65534) and the node is started through `setpriv`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ES_VERSION: string = process.env.SEALTRAIL_ES_VERSION || '8.19.7';

/** Repository root: this file compiles to build/scripts/lib/, three levels below it. */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CACHE_DIR: string = join(REPO_ROOT, '.cache');

const NOBODY_UID = 65534;
const NOBODY_GID = 65534;
const DEFAULT_READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 20_000;
const LOG_TAIL_LINES = 30;
const LOG_RING_LINES = 500;

export interface LocalElasticsearchOptions {
  /** HTTP port on 127.0.0.1; default: a free port. */
  port?: number;
  /** Transport port on 127.0.0.1; default: a free port. */
  transportPort?: number;
  /**
   * Persistent node directory (holds data/, logs/, config/, tmp/); kept on stop.
   * Default: a fresh .cache/es-data/<random> that stop() removes.
   */
  dataDir?: string;
  /** JVM heap in MiB (-Xms = -Xmx); default 512. */
  heapMb?: number;
  /** Called with each line Elasticsearch prints (stdout and stderr) and with progress messages. */
  log?: (line: string) => void;
  /** Readiness timeout in ms; default 120 000. */
  readyTimeoutMs?: number;
  /** Extra `-E key=value` settings. */
  settings?: Record<string, string | number | boolean>;
  /** Which Elasticsearch (default ES_VERSION: $SEALTRAIL_ES_VERSION, else 8.19.7). 9.x needs Java 21+, found by itself. */
  version?: string;
  /**
   * A node of a cluster instead of a single node: the cluster's name, its
   * nodes' transport addresses, and the names of the nodes that bootstrap it
   * (`sealtrail-<http port>`; used at the first start only).
   */
  cluster?: { name: string; seedHosts: string[]; initialMasterNodes: string[] };
  /**
   * Called once the node's own config/ exists, before its first start (and
   * before it is handed to nobody): for files such as roles.yml, or the
   * file realm's users (`bin/elasticsearch-users` with ES_PATH_CONF set).
   */
  prepareConfig?: (configDir: string, env: { home: string; javaHome: string }) => void;
}

export interface LocalElasticsearch {
  /** http://127.0.0.1:<port>; stays the same across restarts. */
  readonly url: string;
  readonly port: number;
  readonly transportPort: number;
  /** The node directory (data/, logs/, config/, tmp/). */
  readonly dataDir: string;
  /** True when dataDir is temporary and is removed by stop(). */
  readonly temporary: boolean;
  /** Process id of the current node process (the group leader); changes on each start. 0 when not running. */
  readonly pid: number;
  readonly running: boolean;
  readonly version: string;
  /** `sealtrail-<port>`: the node's name in the cluster. */
  readonly nodeName: string;
  /** Stops the node (SIGTERM to its process group, SIGKILL after 20 s) and removes a temporary dataDir. Final; idempotent. */
  stop(): Promise<void>;
  /** Stops the node like stop() but keeps port and dataDir, so start() can bring the same node back. */
  stopNode(): Promise<void>;
  /** SIGKILLs the node's process group (a crash), keeps port and dataDir, waits until the processes are gone. */
  kill(): Promise<void>;
  /** Starts the node again (same port, same data) after stopNode()/kill(); waits until it is ready. */
  start(): Promise<void>;
  /** stopNode() then start(). */
  restart(): Promise<void>;
  /** SIGSTOP the node: it keeps its sockets but answers nothing (for timeout tests). */
  suspend(): void;
  /** SIGCONT after suspend(). */
  resume(): void;
  /** The last `n` lines Elasticsearch printed. */
  logTail(n?: number): string[];
}

// ---------------------------------------------------------------------------
// Installation

export function elasticsearchHome(version: string = ES_VERSION): string {
  return join(CACHE_DIR, `elasticsearch-${version}`);
}

function mavenArtifact(version: string): string {
  return `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${version}:zip`;
}

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): { ok: boolean; status: number | null; output: string; missing: boolean } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { ok: !r.error && r.status === 0, status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`, missing };
}

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

function firstLines(text: string, n: number): string {
  return stripAnsi(text).trim().split('\n').slice(0, n).join('\n');
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** Fetches the zip with Maven (into .cache/downloads) unless it is there already. Returns its path. */
function ensureZip(version: string, log: (s: string) => void): string {
  const downloads = join(CACHE_DIR, 'downloads');
  const zip = join(downloads, `elasticsearch-${version}.zip`);
  if (existsSync(zip) && statSync(zip).size > 0) return zip;
  // Download into a private directory, then rename: concurrent callers never see half a zip.
  const staging = join(downloads, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(staging, { recursive: true });
  try {
    log(`fetching ${mavenArtifact(version)} with Maven ...`);
    const r = run('mvn', [
      '-q', '-B', '-Dstyle.color=never',
      'dependency:copy',
      `-Dartifact=${mavenArtifact(version)}`,
      `-DoutputDirectory=${staging}`,
    ], { cwd: staging });
    if (r.missing) {
      throw new Error(`cannot download Elasticsearch ${version}: 'mvn' (Apache Maven) is not on PATH. ` +
        `Install Maven (e.g. apt-get install maven), or put the zip at ${zip} yourself, or set ES_URL to an existing cluster.`);
    }
    if (!r.ok) {
      throw new Error(`cannot download Elasticsearch ${version}: 'mvn dependency:copy -Dartifact=${mavenArtifact(version)}' ` +
        `exited with ${r.status}:\n${firstLines(r.output, 15)}`);
    }
    const got = join(staging, `elasticsearch-${version}.zip`);
    if (!existsSync(got)) {
      throw new Error(`Maven reported success but did not produce ${got} (found: ${readdirSync(staging).join(', ') || 'nothing'})`);
    }
    renameSync(got, zip);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return zip;
}

function unpack(zip: string, into: string): void {
  mkdirSync(into, { recursive: true });
  const attempts: Array<[string, string[]]> = [
    ['unzip', ['-q', '-o', zip, '-d', into]],
    ['python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zip, into]],
    [join(findJavaHome() ?? '/nonexistent', 'bin', 'jar'), ['xf', zip]],
  ];
  const errors: string[] = [];
  for (const [cmd, args] of attempts) {
    const r = run(cmd, args, { cwd: into });
    if (r.ok) return;
    errors.push(`${cmd}: ${r.missing ? 'not found' : lastLines(r.output, 5)}`);
    rmSync(into, { recursive: true, force: true });
    mkdirSync(into, { recursive: true });
  }
  throw new Error(`cannot unpack ${zip}:\n${errors.join('\n')}`);
}

/**
 * Makes sure .cache/elasticsearch-<version>/ holds the distribution, downloading and
 * unpacking it if needed. Safe to call from several processes at once. Returns ES home.
 */
export async function ensureElasticsearchInstalled(opts: { version?: string; log?: (s: string) => void } = {}): Promise<string> {
  const version = opts.version ?? ES_VERSION;
  const log = opts.log ?? (() => {});
  const home = elasticsearchHome(version);
  const marker = join(home, '.sealtrail-complete');
  if (existsSync(marker)) return home;

  const zip = ensureZip(version, log);
  log(`unpacking ${zip} ...`);
  const staging = join(CACHE_DIR, `.unpack-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    unpack(zip, staging);
    const top = join(staging, `elasticsearch-${version}`);
    if (!existsSync(join(top, 'bin', 'elasticsearch'))) {
      throw new Error(`unexpected layout in ${zip}: no elasticsearch-${version}/bin/elasticsearch`);
    }
    // python3 and jar do not keep the executable bits.
    for (const f of readdirSync(join(top, 'bin'))) chmodSync(join(top, 'bin', f), 0o755);
    writeFileSync(join(top, '.sealtrail-complete'), `${version}\n`);
    if (existsSync(home) && !existsSync(marker)) rmSync(home, { recursive: true, force: true }); // half-done earlier attempt
    try {
      renameSync(top, home);
    } catch (e) {
      if (!existsSync(marker)) throw e; // else another process won the race
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return home;
}

// ---------------------------------------------------------------------------
// Environment

function javaMajor(home: string): number {
  try {
    const m = /^JAVA_VERSION="(\d+)/m.exec(readFileSync(join(home, 'release'), 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * A Java of at least `minMajor` (Elasticsearch 8 needs 17, 9 needs 21):
 * ES_JAVA_HOME, else JAVA_HOME, else the JDK that `java` on PATH belongs to,
 * else one under /usr/lib/jvm (where these machines keep a Temurin 25 beside
 * the system's 17). A home whose version cannot be read is taken as it is.
 */
export function findJavaHome(minMajor = 17): string | undefined {
  const candidates: string[] = [];
  for (const v of [process.env.ES_JAVA_HOME, process.env.JAVA_HOME]) {
    if (v && existsSync(join(v, 'bin', 'java'))) candidates.push(v);
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const java = join(dir, 'java');
    if (existsSync(java)) {
      try {
        candidates.push(dirname(dirname(realpathSync(java))));
        break;
      } catch {
        /* dangling link: keep looking */
      }
    }
  }
  const jvm = '/usr/lib/jvm';
  if (existsSync(jvm)) {
    const homes = readdirSync(jvm).map((d) => join(jvm, d)).filter((h) => existsSync(join(h, 'bin', 'java')));
    candidates.push(...homes.sort((a, b) => javaMajor(b) - javaMajor(a)));
  }
  return candidates.find((h) => javaMajor(h) === 0 ? minMajor <= 17 : javaMajor(h) >= minMajor);
}

/** The Java an Elasticsearch version needs at least. */
export function javaNeeded(version: string): number {
  return Number(version.split('.')[0]) >= 9 ? 21 : 17;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}

/** Asks the OS for a free TCP port on 127.0.0.1 (listen on 0, close, reuse). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolvePort(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** True if nothing listens on 127.0.0.1:port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/** Polls until 127.0.0.1:port is free; false if it is still taken after timeoutMs. */
export async function waitForPortFree(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await portIsFree(port)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------
// Probing

export interface ElasticsearchIdentity {
  name: string;
  version: string;
  clusterName: string;
}

/** Identifies the Elasticsearch node answering at url (via _nodes/_local, since GET / is 405 here); null if none. */
export async function probeElasticsearch(url: string, timeoutMs = 2000): Promise<ElasticsearchIdentity | null> {
  try {
    const res = await fetch(`${url.replace(/\/+$/, '')}/_nodes/_local?filter_path=cluster_name,nodes.*.name,nodes.*.version`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return null;
    const body = (await res.json()) as { cluster_name?: string; nodes?: Record<string, { name?: string; version?: string }> };
    const node = Object.values(body.nodes ?? {})[0];
    if (!node?.version) return null;
    return { name: node.name ?? '', version: node.version, clusterName: body.cluster_name ?? '' };
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the node at url answers and the cluster is at least yellow (so the
 * primaries of existing indices are allocated). With `nodeName`, only that node counts
 * (guards against another Elasticsearch on the same port). `abort()` is polled and
 * stops the wait early with its message (e.g. "process exited").
 */
export async function waitForElasticsearch(
  url: string,
  timeoutMs: number = DEFAULT_READY_TIMEOUT_MS,
  opts: { nodeName?: string; abort?: () => string | undefined } = {},
): Promise<ElasticsearchIdentity> {
  const base = url.replace(/\/+$/, '');
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const why = opts.abort?.();
    if (why) throw new Error(why);
    const id = await probeElasticsearch(base, 2000);
    if (id && opts.nodeName && id.name !== opts.nodeName) {
      last = `another Elasticsearch node (${id.name}) answers at ${base}`;
    } else if (id) {
      try {
        const res = await fetch(`${base}/_cluster/health?wait_for_status=yellow&timeout=1s`, { signal: AbortSignal.timeout(5000) });
        const health = (await res.json()) as { status?: string };
        if (res.ok && (health.status === 'green' || health.status === 'yellow')) return id;
        last = `cluster health: ${health.status ?? res.status}`;
      } catch (e) {
        last = `cluster health: ${(e as Error).message}`;
      }
    }
    if (Date.now() >= deadline) throw new Error(`Elasticsearch at ${base} not ready after ${Math.round(timeoutMs / 1000)} s (${last})`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------------------
// Process groups

/** Pids in process group `pgid` that are alive (not zombies). Linux: via /proc; elsewhere: kill(-pgid, 0). */
function groupMembers(pgid: number): number[] {
  if (existsSync('/proc/self/stat')) {
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp ...
        if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') out.push(Number(d));
      } catch {
        /* gone meanwhile */
      }
    }
    return out;
  }
  try {
    process.kill(-pgid, 0);
    return [pgid];
  } catch {
    return [];
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Stops the process group led by `pgid`: SIGTERM, wait up to graceMs, then SIGKILL and
 * wait until no member is left. Resolves when the group is gone.
 */
export async function stopElasticsearchProcess(pgid: number, graceMs: number = STOP_GRACE_MS, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (groupMembers(pgid).length === 0) return;
  signalGroup(pgid, 'SIGCONT'); // in case it was suspended
  signalGroup(pgid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (groupMembers(pgid).length === 0) return;
    await sleep(100);
  }
  signalGroup(pgid, 'SIGKILL');
  const hard = Date.now() + 10_000;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > hard) throw new Error(`process group ${pgid} still alive 10 s after SIGKILL`);
    await sleep(100);
  }
}

// Nodes still running when this process goes away are killed, and temporary node
// directories that stop() has not removed yet are removed.
const live = new Map<number, { temporary: boolean }>();
const tempDirs = new Set<string>();
let handlersInstalled = false;

function killAllNow(): void {
  for (const [pgid, { temporary }] of live) {
    signalGroup(pgid, 'SIGCONT');
    signalGroup(pgid, temporary ? 'SIGKILL' : 'SIGTERM');
  }
  live.clear();
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  tempDirs.clear();
}

function onFatalSignal(signal: NodeJS.Signals): void {
  // Only when nobody else handles the signal: then the process is about to die of it,
  // so kill the nodes and die the same way. A program with its own handler stops its nodes itself.
  if (process.listenerCount(signal) !== 1) return;
  killAllNow();
  process.removeListener(signal, onFatalSignal);
  process.kill(process.pid, signal);
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onFatalSignal);
}

// ---------------------------------------------------------------------------
// Starting

class Node implements LocalElasticsearch {
  readonly url: string;
  readonly version: string;
  private child: ChildProcess | undefined;
  private exitInfo: string | undefined;
  private exited: Promise<void> = Promise.resolve();
  private ring: string[] = [];
  private stopped = false;
  private bootstrapped = false;
  readonly nodeName: string;
  private logFile: WriteStream | undefined;

  constructor(
    private readonly home: string,
    private readonly javaHome: string,
    readonly port: number,
    readonly transportPort: number,
    readonly dataDir: string,
    readonly temporary: boolean,
    private readonly opts: LocalElasticsearchOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.version = opts.version ?? ES_VERSION;
    this.nodeName = `sealtrail-${port}`;
    if (temporary) {
      tempDirs.add(dataDir);
      installExitHandlers();
    }
  }

  get pid(): number {
    return this.running ? (this.child?.pid ?? 0) : 0;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  logTail(n = LOG_TAIL_LINES): string[] {
    return this.ring.slice(-n);
  }

  private line(s: string): void {
    this.ring.push(s);
    if (this.ring.length > LOG_RING_LINES) this.ring.splice(0, this.ring.length - LOG_RING_LINES);
    this.opts.log?.(s);
  }

  private prepareDirs(): void {
    const dirs = ['data', 'logs', 'tmp'].map((d) => join(this.dataDir, d));
    for (const d of dirs) mkdirSync(d, { recursive: true });
    const conf = join(this.dataDir, 'config');
    if (!existsSync(join(conf, 'elasticsearch.yml'))) {
      cpSync(join(this.home, 'config'), conf, { recursive: true });
      this.opts.prepareConfig?.(conf, { home: this.home, javaHome: this.javaHome });
    }
    if (isRoot()) chownTree(this.dataDir, NOBODY_UID, NOBODY_GID);
  }

  async start(): Promise<void> {
    if (this.stopped) throw new Error('this Elasticsearch was stopped for good (stop()); start a new one');
    if (this.running) return;
    for (const p of [this.port, this.transportPort]) {
      if (!(await waitForPortFree(p, 15_000))) throw new Error(`cannot start Elasticsearch: port ${p} on 127.0.0.1 is in use`);
    }
    this.prepareDirs();

    const c = this.opts.cluster;
    const discovery: Record<string, string> = !c
      ? { 'discovery.type': 'single-node' }
      : {
          'discovery.seed_hosts': c.seedHosts.join(','),
          // Only to bootstrap a new cluster: a node that has joined it once must not try again.
          ...(this.bootstrapped ? {} : { 'cluster.initial_master_nodes': c.initialMasterNodes.join(',') }),
        };
    const settings: Record<string, string | number | boolean> = {
      'cluster.name': c?.name ?? 'sealtrail-local',
      'node.name': this.nodeName,
      ...discovery,
      'network.host': '127.0.0.1',
      'http.port': this.port,
      'transport.port': this.transportPort,
      'path.data': join(this.dataDir, 'data'),
      'path.logs': join(this.dataDir, 'logs'),
      'xpack.security.enabled': false,
      'xpack.ml.enabled': false,
      'cluster.routing.allocation.disk.threshold_enabled': false,
      'action.destructive_requires_name': false,
      ...this.opts.settings,
    };
    const args = Object.entries(settings).flatMap(([k, v]) => ['-E', `${k}=${v}`]);
    const esBin = join(this.home, 'bin', 'elasticsearch');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ES_JAVA_HOME: this.javaHome,
      ES_JAVA_OPTS: `-Xms${this.opts.heapMb ?? 512}m -Xmx${this.opts.heapMb ?? 512}m ${process.env.ES_JAVA_OPTS ?? ''}`.trim(),
      ES_PATH_CONF: join(this.dataDir, 'config'),
      ES_TMPDIR: join(this.dataDir, 'tmp'),
    };
    delete env.JAVA_HOME; // else: "warning: ignoring JAVA_HOME"
    let cmd = esBin;
    let cmdArgs = args;
    if (isRoot()) {
      env.HOME = join(this.dataDir, 'tmp');
      cmd = 'setpriv';
      cmdArgs = [`--reuid=${NOBODY_UID}`, `--regid=${NOBODY_GID}`, '--clear-groups', esBin, ...args];
    }

    this.exitInfo = undefined;
    this.logFile?.end();
    this.logFile = createWriteStream(join(this.dataDir, 'logs', 'console.log'), { flags: 'a' });
    this.line(`[sealtrail] starting Elasticsearch ${this.version} at ${this.url} (data ${this.dataDir})`);
    const child = spawn(cmd, cmdArgs, { cwd: join(this.dataDir, 'logs'), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise<void>((res) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
        if (child.pid) live.delete(child.pid);
        res();
      });
      child.once('error', (e) => {
        this.exitInfo = `spawn failed: ${e.message}`;
        res();
      });
    });
    if (child.pid) {
      live.set(child.pid, { temporary: this.temporary });
      installExitHandlers();
    }
    const logFile = this.logFile;
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        logFile.write(chunk);
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const p of parts) this.line(p);
      });
      stream.on('end', () => {
        if (partial) this.line(partial);
        partial = '';
      });
    }
    // Do not keep the caller's event loop alive because of the node: a process that
    // forgets stop() still exits, and the 'exit' handler kills the node.
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();

    const started = Date.now();
    try {
      await waitForElasticsearch(this.url, this.opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, {
        nodeName: this.nodeName,
        abort: () => (this.exitInfo ? `Elasticsearch exited before it was ready (${this.exitInfo})` : undefined),
      });
    } catch (e) {
      await this.stopProcess('SIGKILL', 0).catch(() => {});
      const tail = this.logTail(LOG_TAIL_LINES).join('\n');
      const where = this.temporary ? '' : ` (all of it: ${join(this.dataDir, 'logs', 'console.log')})`;
      throw new Error(`${(e as Error).message}\n--- last ${LOG_TAIL_LINES} lines of Elasticsearch output${where} ---\n${tail}`);
    }
    this.bootstrapped = true;
    this.line(`[sealtrail] Elasticsearch ready at ${this.url} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  private async stopProcess(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    await stopElasticsearchProcess(child.pid, graceMs, signal);
    // The group is gone; wait for node to have reaped our direct child too.
    await Promise.race([this.exited, sleep(5000)]);
    live.delete(child.pid);
    this.exitInfo ??= 'stopped';
    // A killed multi-threaded JVM shows as a zombie while its other threads still hold its
    // sockets: wait until the ports are really released, so start() can bind them again.
    await waitForPortFree(this.port, 10_000);
    await waitForPortFree(this.transportPort, 10_000);
  }

  async stopNode(): Promise<void> {
    await this.stopProcess('SIGTERM', STOP_GRACE_MS);
  }

  async kill(): Promise<void> {
    await this.stopProcess('SIGKILL', 0);
  }

  async restart(): Promise<void> {
    await this.stopNode();
    await this.start();
  }

  suspend(): void {
    if (this.child?.pid && this.running) signalGroup(this.child.pid, 'SIGSTOP');
  }

  resume(): void {
    if (this.child?.pid && this.running) signalGroup(this.child.pid, 'SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.stopProcess('SIGTERM', STOP_GRACE_MS);
    } finally {
      this.logFile?.end();
      if (this.temporary) {
        rmSync(this.dataDir, { recursive: true, force: true });
        tempDirs.delete(this.dataDir);
      }
    }
  }
}

/**
 * Starts a single-node Elasticsearch on 127.0.0.1 and waits until it is ready.
 * Installs the distribution first if needed. On failure the error message ends with
 * the last 30 lines Elasticsearch printed.
 */
export async function startLocalElasticsearch(opts: LocalElasticsearchOptions = {}): Promise<LocalElasticsearch> {
  const log = opts.log ?? (() => {});
  const version = opts.version ?? ES_VERSION;
  const home = await ensureElasticsearchInstalled({ version, log });
  const javaHome = findJavaHome(javaNeeded(version));
  if (!javaHome) {
    throw new Error(`cannot start Elasticsearch ${version}: no Java ${javaNeeded(version)} or newer found (set ES_JAVA_HOME or JAVA_HOME, or put java on PATH)`);
  }
  if (isRoot()) {
    const r = run('setpriv', ['--version']);
    if (r.missing) throw new Error('running as root: Elasticsearch refuses root, and setpriv (util-linux) is needed to drop to nobody');
  }
  const port = opts.port ?? (await freePort());
  let transportPort = opts.transportPort ?? (await freePort());
  while (transportPort === port) transportPort = await freePort();
  const temporary = opts.dataDir === undefined;
  const dataDir = temporary ? join(CACHE_DIR, 'es-data', randomBytes(6).toString('hex')) : resolve(opts.dataDir!);
  const node = new Node(home, javaHome, port, transportPort, dataDir, temporary, opts);
  try {
    await node.start();
  } catch (e) {
    await node.stop().catch(() => {});
    throw e;
  }
  return node;
}
