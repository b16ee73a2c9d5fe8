import type { SealEvent } from '../model.js';

// Linux errno numbers as Rust prints them (`(os error 2)`).
const ERRNO: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES',
  16: 'EBUSY', 17: 'EEXIST', 18: 'EXDEV', 19: 'ENODEV', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 23: 'ENFILE',
  24: 'EMFILE', 27: 'EFBIG', 28: 'ENOSPC', 30: 'EROFS', 32: 'EPIPE', 36: 'ENAMETOOLONG', 39: 'ENOTEMPTY',
  40: 'ELOOP', 104: 'ECONNRESET', 107: 'ENOTCONN', 110: 'ETIMEDOUT', 111: 'ECONNREFUSED', 112: 'EHOSTDOWN',
  113: 'EHOSTUNREACH', 116: 'ESTALE', 121: 'EREMOTEIO', 122: 'EDQUOT',
};

// The same errors as Go's syscall.Errno prints them.
const GO_ERRNO: [string, string][] = [
  ['no such file or directory', 'ENOENT'],
  ['permission denied', 'EACCES'],
  ['input/output error', 'EIO'],
  ['stale nfs file handle', 'ESTALE'],
  ['stale file handle', 'ESTALE'],
  ['transport endpoint is not connected', 'ENOTCONN'],
  ['no space left on device', 'ENOSPC'],
  ['read-only file system', 'EROFS'],
  ['not a directory', 'ENOTDIR'],
  ['is a directory', 'EISDIR'],
  ['too many open files', 'EMFILE'],
];

const OS_ERROR = /\(os error (\d+)\)/;
const QUOTED_PATH = /path[=:] ?"([^"\n]+)"/;
const GO_PATH_OP = /\b(?:open|stat|lstat|read|readlink|mkdir|remove) (\/[^\s:"]+)/;
const SECTOR_FILE = /(\/[^\s"':,()]*s-[tf]0\d+-\d+[^\s"':,()]*)/;
const SECTOR_ID = /s-[tf]0(\d+)-(\d+)/;
const SECTOR_ID_DEBUG = /SectorI[dD]\((\d+)\)/;
const SECTOR_ID_STRUCT = /\{Miner: ?(\d+),? Number: ?(\d+)\}/;
const IPV4 = /(?:^|\/)((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})(?=\/|$)/;

/** The storage server in a path or location such as `nfs/10.10.13.1` or `/mnt/nfs/10.10.13.22/cache/…`. */
export function storageHostIn(path: string): string | undefined {
  return IPV4.exec(path)?.[1];
}

/**
 * What a failure's text says about where it failed: the file that could not
 * be read, the storage server in its path, the sector in its name, and the
 * OS error. Runs on failure events only, so regular expressions are fine here.
 */
export function addFailureDetails(ev: SealEvent): void {
  const text = ev.errorMessage ?? ev.message;
  if (ev.filePath === undefined) {
    const m = QUOTED_PATH.exec(text) ?? GO_PATH_OP.exec(text) ?? SECTOR_FILE.exec(text);
    if (m) ev.filePath = m[1]!;
  }
  if (ev.filePath !== undefined) {
    const p = ev.filePath;
    ev.fileName ??= p.slice(p.lastIndexOf('/') + 1);
    if (ev.storageHost === undefined) {
      ev.storageHost = storageHostIn(p);
    }
  }
  if (ev.sector === undefined) {
    const m = SECTOR_ID.exec(ev.filePath ?? text) ?? SECTOR_ID.exec(text);
    if (m) {
      ev.miner ??= Number(m[1]);
      ev.sector = Number(m[2]);
    } else {
      const s = SECTOR_ID_STRUCT.exec(text);
      if (s) {
        ev.miner ??= Number(s[1]);
        ev.sector = Number(s[2]);
      } else {
        const d = SECTOR_ID_DEBUG.exec(text);
        if (d) ev.sector = Number(d[1]);
      }
    }
  } else if (ev.miner === undefined) {
    const m = SECTOR_ID.exec(ev.filePath ?? text);
    if (m && Number(m[2]) === ev.sector) ev.miner = Number(m[1]);
  }
  if (ev.errorCode === undefined) {
    const os = OS_ERROR.exec(text);
    if (os) {
      ev.errorCode = ERRNO[Number(os[1])] ?? `errno ${os[1]}`;
    } else {
      const lower = text.toLowerCase();
      for (const [phrase, code] of GO_ERRNO) {
        if (lower.includes(phrase)) {
          ev.errorCode = code;
          break;
        }
      }
    }
  }
}
