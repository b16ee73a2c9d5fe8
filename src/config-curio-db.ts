import { checkKeys, fail } from './config-keys.js';
import type { CurioDbConfig } from './sources/curio-db.js';

const CURIO_DB_KEYS = ['url', 'host', 'port', 'user', 'database', 'schema', 'password_file', 'name', 'poll_interval', 'sectors_interval', 'settle_seconds'];
const CURIO_DB_HINT = 'curio_db: { host: 10.0.0.5, port: 5433, user: yugabyte, database: yugabyte } with the password in CURIO_DB_PASSWORD or CURIO_DB_PASSWORD_FILE';

function text(file: string, key: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') fail(file, `curio_db.${key} must be a non-empty string`, CURIO_DB_HINT);
  return v;
}

function seconds(file: string, key: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > 86_400) fail(file, `curio_db.${key} must be a number of seconds (${min} to 86400)`, CURIO_DB_HINT);
  return v;
}

/**
 * `curio_db:` of a run config (issue 11): Curio's HarmonyDB (YugabyteDB or
 * PostgreSQL). The password is never a config value: a `password` key, or a
 * URL holding one, is refused.
 */
export function curioDbConfig(file: string, raw: unknown): CurioDbConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(file, 'curio_db must be a mapping', CURIO_DB_HINT);
  const r = raw as Record<string, unknown>;
  if ('password' in r) fail(file, 'curio_db.password: the password is never read from the config file', 'set CURIO_DB_PASSWORD, or CURIO_DB_PASSWORD_FILE / curio_db.password_file naming a file that holds it');
  checkKeys(file, 'curio_db', r, CURIO_DB_KEYS);
  const url = text(file, 'url', r.url);
  if (url !== undefined) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      fail(file, `curio_db.url is not a URL: ${url}`, 'postgres://user@host:5433/database');
    }
    if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') fail(file, 'curio_db.url must be postgres://…', 'postgres://user@host:5433/database');
    if (u.password) fail(file, 'curio_db.url holds a password; it is never read from the config file', 'remove it from the URL; set CURIO_DB_PASSWORD or CURIO_DB_PASSWORD_FILE');
    for (const k of ['host', 'port', 'user', 'database']) if (r[k] !== undefined) fail(file, `curio_db: give url or ${k}, not both`, CURIO_DB_HINT);
  }
  const port = r.port;
  if (port !== undefined && (typeof port !== 'number' || !Number.isSafeInteger(port) || port <= 0 || port > 65535)) fail(file, 'curio_db.port must be a port number', CURIO_DB_HINT);
  const database = text(file, 'database', r.database);
  const schema = text(file, 'schema', r.schema) ?? 'curio';
  return {
    url,
    host: text(file, 'host', r.host),
    port: port as number | undefined,
    user: text(file, 'user', r.user),
    database,
    schema,
    passwordFile: text(file, 'password_file', r.password_file),
    name: text(file, 'name', r.name) ?? `${url ? new URL(url).pathname.slice(1) || 'postgres' : (database ?? 'postgres')}.${schema}`,
    pollInterval: seconds(file, 'poll_interval', r.poll_interval, 5, 0.1),
    sectorsInterval: seconds(file, 'sectors_interval', r.sectors_interval, 60, 0.1),
    settleSeconds: seconds(file, 'settle_seconds', r.settle_seconds, 5, 0),
  };
}
