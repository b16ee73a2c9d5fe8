import { readdirSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/**
 * `--path` globs → files. chokidar 4 dropped glob support, and Node 20 has
 * no fs.glob, so: `*` and `?` within a name, `**` for any depth, `{a,b}`
 * alternatives. The fixed leading directories are where the walk starts.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end === -1) re += '\\{';
      else {
        re += '(?:' + glob.slice(i + 1, end).split(',').map(escape).join('|') + ')';
        i = end;
      }
    } else re += escape(c);
  }
  return new RegExp('^' + re + '$');
}

function escape(s: string): string {
  return s.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
}

export function hasMagic(p: string): boolean {
  return /[*?{]/.test(p);
}

/** The directory a glob's walk starts from: its leading part without magic. */
export function globBase(glob: string): string {
  const parts = glob.split('/');
  const fixed: string[] = [];
  for (const p of parts.slice(0, -1)) {
    if (hasMagic(p)) break;
    fixed.push(p);
  }
  const base = fixed.join('/');
  return base === '' ? (glob.startsWith('/') ? '/' : '.') : base;
}

/** Regular files matching the glob now, sorted. A plain path is returned as is if it exists. */
export function expandGlob(pattern: string, maxDepth = 16): string[] {
  const abs = resolve(pattern).split(sep).join('/');
  if (!hasMagic(abs)) {
    try {
      return statSync(abs).isFile() ? [abs] : [];
    } catch {
      return [];
    }
  }
  const re = globToRegExp(abs);
  const base = globBase(abs);
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (depth < maxDepth) walk(p, depth + 1);
      } else if ((e.isFile() || e.isSymbolicLink()) && re.test(p)) {
        try {
          if (statSync(p).isFile()) out.push(p);
        } catch {
          // vanished or dangling: not a file to read
        }
      }
    }
  };
  walk(base, 0);
  return out.sort();
}

