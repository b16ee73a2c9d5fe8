const UNIT_NS: Record<string, number> = {
  h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, 'µs': 1e3, 'μs': 1e3, ns: 1,
};

const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|μs|ns)/gy;

/**
 * Go's `time.Duration` text (`9m30.020676518s`, `2m0.017911886s`, `150ms`,
 * `1h2m3.5s`) in nanoseconds; a bare number is seconds (zap's `"elapsed": 13.37`).
 * NaN when it is neither.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return Number.isFinite(text) ? Math.round(text * 1e9) : NaN;
  let s = text.trim();
  if (s === '') return NaN;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (/^\d+(?:\.\d+)?$/.test(s)) return sign * Math.round(Number(s) * 1e9);
  if (s === '0') return 0;
  GO_PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  for (let m = GO_PART.exec(s); m; m = GO_PART.exec(s)) {
    const [whole, num, unit] = m;
    const [int, frac = ''] = num!.split('.');
    const scale = UNIT_NS[unit!]!;
    // Integer and fraction apart, so `9m30.020676518s` stays exact in ns.
    total += Number(int || '0') * scale;
    if (frac) total += Math.round(Number('0.' + frac) * scale);
    pos += whole.length;
  }
  return pos === s.length && pos > 0 ? sign * total : NaN;
}
