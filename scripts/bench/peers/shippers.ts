/**
 * The peer shippers `npm run bench -- --peers` knows: where each is looked for, which
 * configuration templates it takes (scripts/bench/peers/*), how it is checked and started.
 * Nothing here installs anything: a peer that is not found says how to install it.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface RunPlace {
  /** The run's own fresh directory: rendered configs, state, the peer's log. */
  run: string;
  /** Directory of the corpus' *.log files. */
  corpus: string;
  files: number;
  /** Elasticsearch, plain http, no credentials: http://host:port */
  esUrl: string;
  esHost: string;
  esPort: string;
}

export interface Launch {
  /** Argument vector of a configuration check, run before the measurement (exit 0 = fine). */
  check?: string[];
  /** The peer in the foreground. */
  start: string[];
}

export interface Shipper {
  name: string;
  index: string;
  /** How to install it, shown when it is not found. */
  install: string;
  /** The executable and anything else it needs, or why it is missing. */
  find(): { ok: true; launch: (p: RunPlace) => Launch } | { ok: false; why: string };
}

const TEMPLATES = new URL('../../../../scripts/bench/peers/', import.meta.url);

/** The template's text with every {{NAME}} filled in; an unknown name is an error. */
export function fill(template: string, text: string, values: Record<string, string>): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, k: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`${template}: unknown template name {{${k}}}`);
    return v;
  });
}

export const templateText = (template: string) => readFileSync(new URL(template, TEMPLATES), 'utf8');

/** Copies a template into the run dir with {{NAME}} filled in. */
export function render(template: string, place: RunPlace, index: string): string {
  const values: Record<string, string> = {
    CORPUS: place.corpus,
    RUN: place.run,
    FILES: String(place.files),
    IW_SIZE: String(10000 * place.files),
    ES_URL: place.esUrl,
    ES_HOST: place.esHost,
    ES_PORT: place.esPort,
    INDEX: index,
  };
  const text = fill(template, templateText(template), values);
  const out = join(place.run, template);
  writeFileSync(out, text);
  return out;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An explicit path from the environment, else the first on PATH (and the sbin dirs, for root-less PATHs). */
function which(envName: string, command: string, extra: string[] = []): string | undefined {
  const fromEnv = process.env[envName];
  if (fromEnv) return executable(fromEnv) ? fromEnv : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const d of dirs) if (d && executable(join(d, command))) return join(d, command);
  return extra.find(executable);
}

const syslogNg: Shipper = {
  name: 'syslog-ng',
  index: 'peer-syslogng',
  install: 'apt-get install -y syslog-ng-core syslog-ng-mod-http syslog-ng-scl (then stop the daemon apt may start); or SYSLOG_NG=/path/to/syslog-ng',
  find() {
    const bin = which('SYSLOG_NG', 'syslog-ng');
    if (!bin) return { ok: false, why: 'no syslog-ng on PATH' };
    return {
      ok: true,
      launch: (p) => {
        const conf = render('syslog-ng.conf', p, this.index);
        const files = ['-f', conf, '-R', join(p.run, 'persist'), '-c', join(p.run, 'ctl'), '-p', join(p.run, 'pid')];
        return { check: [bin, '--syntax-only', ...files], start: [bin, '-F', '--no-caps', ...files] };
      },
    };
  },
};

/** rsyslog unpacked under a root of its own (RSYSLOG_ROOT, default /opt/rsyslog), else the system's. */
function rsyslogPlace(): { bin: string; modules: string } | undefined {
  const roots = process.env.RSYSLOG_ROOT ? [process.env.RSYSLOG_ROOT] : ['/opt/rsyslog', '/'];
  for (const root of roots) {
    const bin = join(root, 'usr/sbin/rsyslogd');
    if (!executable(bin)) continue;
    const lib = join(root, 'usr/lib');
    const dirs = existsSync(lib) ? readdirSync(lib).map((d) => join(lib, d, 'rsyslog')) : [];
    const modules = [join(lib, 'rsyslog'), ...dirs].find((d) => existsSync(join(d, 'omelasticsearch.so')));
    if (modules) return { bin, modules };
  }
  return undefined;
}

const rsyslog: Shipper = {
  name: 'rsyslog',
  index: 'peer-rsyslog',
  install:
    'apt-get download rsyslog rsyslog-elasticsearch && dpkg -x each .deb under /opt/rsyslog, with liblognorm5 installed ' +
    '(it conflicts with syslog-ng-core as a package); or RSYSLOG_ROOT=/where/it/was/unpacked',
  find() {
    const place = rsyslogPlace();
    if (!place) return { ok: false, why: 'no rsyslogd with omelasticsearch.so under /opt/rsyslog or /' };
    return {
      ok: true,
      launch: (p) => {
        mkdirSync(join(p.run, 'work'));
        render('zap.rulebase', p, this.index);
        const conf = render('rsyslog.conf', p, this.index);
        const common = ['-f', conf, '-M', place.modules];
        return {
          check: [place.bin, '-N1', ...common],
          start: [place.bin, '-n', ...common, '-i', join(p.run, 'pid')],
        };
      },
    };
  },
};

const fluentBit: Shipper = {
  name: 'fluent-bit',
  index: 'peer-fluentbit',
  install: 'no Debian package: build v5.1.1 from source as ../shared/bench-peers/fluent-bit/README.txt says, then FLUENT_BIT=/path/to/bin/fluent-bit',
  find() {
    const bin = which('FLUENT_BIT', 'fluent-bit', ['/opt/fluent-bit/bin/fluent-bit']);
    if (!bin) return { ok: false, why: 'no fluent-bit on PATH, $FLUENT_BIT or /opt/fluent-bit/bin' };
    return {
      ok: true,
      launch: (p) => {
        render('parsers.yaml', p, this.index);
        const conf = render('fluent-bit.yaml', p, this.index);
        return { start: [bin, '-c', conf] }; // (no check: not installed here, so its options are untried)
      },
    };
  },
};

export const SHIPPERS: readonly Shipper[] = [syslogNg, rsyslog, fluentBit];
