import { formatMillis } from '../query/format.js';
import type { StateTotal } from '../query/segments.js';
import { displayWidth } from './table.js';

/**
 * Drawing in the terminal with characters: a bar per state (its length the
 * time spent there) and a histogram on one line. Block characters on a
 * terminal; `#`, `.` and a plain ramp when the output is a pipe or a file.
 */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const SPARK = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const PLAIN_SPARK = ['.', ':', '-', '=', '+', '*', '#', '@'];

/** A bar of `cells` character cells (fractional): eighth blocks, or `#` with `.` for a non-zero sliver. */
export function bar(cells: number, tty: boolean): string {
  if (!(cells > 0)) return '';
  if (!tty) return cells < 1 ? '.' : '#'.repeat(Math.round(cells));
  const whole = Math.floor(cells);
  const eighth = Math.round((cells - whole) * 8);
  const s = '█'.repeat(whole) + (eighth === 8 ? '█' : EIGHTHS[eighth]!);
  return s === '' ? '▏' : s;
}

/** One line per state, in the order first entered: `Packing  ███▌  2m0s`. */
export function stateBars(totals: StateTotal[], width: number, tty: boolean): string {
  if (totals.length === 0) return '';
  const label = (t: StateTotal) => (t.visits > 1 ? `${t.state} ×${t.visits}` : t.state);
  const labelW = Math.max(...totals.map((t) => displayWidth(label(t))));
  const durW = Math.max(...totals.map((t) => formatMillis(t.ms).length));
  const room = Math.max(10, width - labelW - durW - 4);
  const max = Math.max(...totals.map((t) => t.ms));
  const lines = totals.map((t) => {
    const b = bar(max > 0 ? (t.ms / max) * room : 0, tty);
    return `${label(t)}${' '.repeat(labelW - displayWidth(label(t)))}  ${b}${' '.repeat(Math.max(0, room - displayWidth(b)))}  ${formatMillis(t.ms).padStart(durW)}`;
  });
  return lines.join('\n') + '\n';
}

/** Counts as a one-line histogram, each cell one bucket, scaled to the largest; empty buckets are blanks. */
export function sparkline(counts: number[], tty: boolean): string {
  const ramp = tty ? SPARK : PLAIN_SPARK;
  const max = Math.max(0, ...counts);
  return counts.map((c) => (c <= 0 || max === 0 ? ' ' : ramp[Math.min(ramp.length - 1, Math.floor((c / max) * (ramp.length - 1) + 0.5))]!)).join('');
}
