/**
 * Go's `time.Duration` text (`9m30.020676518s`, `2m0.017911886s`, `150ms`,
 * `1h2m3.5s`) in nanoseconds; a bare number is seconds (zap's `"elapsed": 13.37`).
 * NaN when it is neither.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return Number.isFinite(text) ? Math.round(text * 1e9) : NaN;
  let s = text;
  const c0 = s.charCodeAt(0);
  // trim() only when there may be something to trim: most values are `<digit>…<unit letter or digit>`.
  if (!isDigit(c0) || !isAsciiAlnum(s.charCodeAt(s.length - 1))) s = s.trim();
  if (s === '') return NaN;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (isDecimal(s)) return sign * Math.round(Number(s) * 1e9);
  if (s === '0') return 0;
  // `(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|μs|ns)` read again and again from where the last part ended.
  const n = s.length;
  let total = 0;
  let pos = 0;
  while (pos < n) {
    const intStart = pos;
    let i = pos;
    while (isDigit(s.charCodeAt(i))) i++;
    const intEnd = i;
    let fracStart = i;
    let fracEnd = i;
    if (s.charCodeAt(i) === 46) {
      i++;
      fracStart = i;
      while (isDigit(s.charCodeAt(i))) i++;
      fracEnd = i;
      if (intEnd === intStart && fracEnd === fracStart) return NaN; // `.` alone
    } else if (intEnd === intStart) return NaN;
    const c = s.charCodeAt(i);
    const d = s.charCodeAt(i + 1);
    let scale: number;
    let unitLength = 1;
    if (c === 104) scale = 3600e9; // h
    else if (c === 109) {
      if (d === 115) {
        scale = 1e6; // ms
        unitLength = 2;
      } else scale = 60e9; // m
    } else if (c === 115) scale = 1e9; // s
    else if ((c === 117 || c === 0xb5 || c === 0x3bc) && d === 115) {
      scale = 1e3; // us, µs, μs
      unitLength = 2;
    } else if (c === 110 && d === 115) {
      scale = 1; // ns
      unitLength = 2;
    } else return NaN;
    // Integer and fraction apart, so `9m30.020676518s` stays exact in ns.
    total += intValue(s, intStart, intEnd) * scale;
    if (fracEnd > fracStart) total += Math.round(Number('0.' + s.slice(fracStart, fracEnd)) * scale);
    pos = i + unitLength;
  }
  return pos > 0 ? sign * total : NaN;
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57; // NaN past the end: false
}

/** `^\d+(?:\.\d+)?$` */
function isDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  if (i === 0) return false;
  if (i === n) return true;
  if (s.charCodeAt(i) !== 46 || i + 1 === n) return false;
  for (i++; i < n; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** `Number(s.slice(from, to) || '0')` for digits. */
function intValue(s: string, from: number, to: number): number {
  if (to - from > 15) return Number(s.slice(from, to));
  let v = 0;
  for (let k = from; k < to; k++) v = v * 10 + (s.charCodeAt(k) - 48);
  return v;
}
