/**
 * Aligned tables for the query commands, and the --json alternative.
 * Cells are plain strings; the last column (a message, an error) is the one
 * cut to the terminal's width, never the columns that identify a row.
 */
export interface Column {
  header: string;
  /** Numbers read best right-aligned. */
  align?: 'left' | 'right';
}

/** Display width of a string: CJK and other wide characters take two cells. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x300 && c < 0x370) || c === 0x200b) continue;
    w += isWide(c) ? 2 : 1;
  }
  return w;
}

function isWide(c: number): boolean {
  return (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1faff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  );
}

/** Cuts s to at most `width` display cells, ending in `…` when cut. */
export function truncate(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = displayWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

function pad(s: string, width: number, align: 'left' | 'right' | undefined): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return align === 'right' ? fill + s : s + fill;
}

const GAP = '  ';
/** The last column keeps at least this many cells even on a narrow terminal. */
const MIN_LAST = 20;

/**
 * The table as text, one line per row after a header line. With `width`
 * (the terminal's), the last column is cut so no line is longer.
 */
export function renderTable(columns: Column[], rows: string[][], width?: number): string {
  const widths = columns.map((c, i) => Math.max(displayWidth(c.header), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const last = columns.length - 1;
  if (width !== undefined && width > 0 && last >= 0) {
    const used = widths.slice(0, last).reduce((a, b) => a + b + GAP.length, 0);
    widths[last] = Math.min(widths[last]!, Math.max(MIN_LAST, width - used));
  }
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const text = i === last ? truncate(cell, widths[i]!) : cell;
        // No trailing blanks after the last column.
        return i === last && columns[i]!.align !== 'right' ? text : pad(text, widths[i]!, columns[i]!.align);
      })
      .join(GAP);
  return [line(columns.map((c) => c.header)), ...rows.map((r) => line(columns.map((_, i) => r[i] ?? '')))].join('\n') + '\n';
}

/** The width to fit tables into: the terminal's, else $COLUMNS, else none (pipes get whole lines). */
export function outputWidth(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : undefined;
}

/** --json: an array of objects, one per row. */
export function printJson(rows: unknown[]): void {
  process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
}
