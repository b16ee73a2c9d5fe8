import type { Registry } from './registry.js';

/**
 * A database table's position as a registry checkpoint (issue 11): the
 * identity `curio_db:NAME:TABLE`, `offset` the highest row id up to which
 * everything is acknowledged. No file has this identity (file identities
 * are hashes), and its `content` matches no file's first bytes, so the
 * tail's reconciliation never takes it for a file.
 */
export function dbIdentity(name: string, table: string): string {
  return `curio_db:${name}:${table}`;
}

export function dbPosition(registry: Registry | undefined, identity: string): number {
  return registry?.get(identity)?.offset ?? 0;
}

export function advanceDbPosition(registry: Registry | undefined, identity: string, where: string, id: number): void {
  registry?.advance(identity, { path: where, dev: 'db', ino: 'db', offset: id, content: identity });
}
