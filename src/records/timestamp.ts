/**
 * Reads `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM|±HH]` at the start
 * of a string with charCodeAt arithmetic: this runs once per line, where a
 * regular expression or a date library would cost more than the rest of the
 * parse. Results land in the reader's fields (no object per line).
 */
export class TimestampReader {
  /** Epoch ms (UTC when `zoned`, else wall clock as if UTC); NaN if none. */
  ms = NaN;
  /** Index just past the timestamp. */
  end = 0;
  /** Did the timestamp carry a zone? */
  zoned = false;
  /** Digits of fraction (3 for ms, 9 for ns). */
  fractionDigits = 0;
  /** The last date read, and its midnight (UTC) in epoch ms. */
  private dayYear = -1;
  private dayMonth = -1;
  private dayDay = -1;
  private dayMs = NaN;

  read(s: string): boolean {
    this.ms = NaN;
    this.end = 0;
    this.zoned = false;
    this.fractionDigits = 0;
    if (s.length < 19) return false;
    const year = d4(s, 0);
    const sepT = s.charCodeAt(10);
    if (
      year < 0 ||
      s.charCodeAt(4) !== 45 ||
      s.charCodeAt(7) !== 45 ||
      (sepT !== 84 && sepT !== 32) ||
      s.charCodeAt(13) !== 58 ||
      s.charCodeAt(16) !== 58
    ) {
      return false;
    }
    const month = d2(s, 5);
    const day = d2(s, 8);
    const hour = d2(s, 11);
    const minute = d2(s, 14);
    const second = d2(s, 17);
    if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 60) {
      return false;
    }
    let i = 19;
    let millis = 0;
    const c = s.charCodeAt(i);
    if (c === 46 || c === 44) {
      i++;
      const fracStart = i;
      let scale = 100;
      for (;;) {
        const d = s.charCodeAt(i) - 48; // NaN past the end
        if (!(d >= 0 && d <= 9)) break;
        millis += d * scale;
        scale /= 10;
        i++;
      }
      this.fractionDigits = i - fracStart;
      if (this.fractionDigits === 0) return false;
      millis = Math.floor(millis + 1e-6);
    }
    // Date.UTC's day part once per date (lines of one day share it); the time of day is arithmetic, as Date.UTC does it.
    if (year !== this.dayYear || month !== this.dayMonth || day !== this.dayDay) {
      this.dayYear = year;
      this.dayMonth = month;
      this.dayDay = day;
      this.dayMs = Date.UTC(year, month - 1, day);
    }
    let ms = this.dayMs + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis;
    const z = s.charCodeAt(i);
    if (z === 90) {
      i++;
      this.zoned = true;
    } else if (z === 43 || z === 45) {
      const oh = d2(s, i + 1);
      if (oh >= 0) {
        let j = i + 3;
        if (s.charCodeAt(j) === 58) j++;
        let om = d2(s, j);
        if (om < 0) om = 0;
        else j += 2;
        const sign = z === 43 ? 1 : -1;
        ms -= sign * (oh * 60 + om) * 60000;
        i = j;
        this.zoned = true;
      }
    }
    this.ms = ms;
    this.end = i;
    return true;
  }
}

function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1; // NaN past the end
  return a * 10 + b;
}

function d4(s: string, i: number): number {
  const a = d2(s, i);
  const b = d2(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const TWO_DIGITS: string[] = Array.from({ length: 60 }, (_, i) => (i < 10 ? '0' : '') + i);
const THREE_DIGITS: string[] = Array.from({ length: 1000 }, (_, i) => (i < 10 ? '00' : i < 100 ? '0' : '') + i);
const DAY = 86_400_000;

/**
 * `@timestamp` text (`2020-06-23T04:02:39.807Z`): the date part is cached per
 * UTC day, the time of day is table lookups, so no Date object per event.
 */
export class IsoFormatter {
  private day = NaN;
  private datePrefix = '';

  format(ms: number): string {
    const day = Math.floor(ms / DAY);
    if (day !== this.day) {
      this.day = day;
      this.datePrefix = new Date(day * DAY).toISOString().slice(0, 11);
    }
    let rest = ms - day * DAY;
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const sec = Math.floor(rest / 1000);
    return this.datePrefix + TWO_DIGITS[h] + ':' + TWO_DIGITS[m] + ':' + TWO_DIGITS[sec] + '.' + THREE_DIGITS[rest - sec * 1000] + 'Z';
  }
}
