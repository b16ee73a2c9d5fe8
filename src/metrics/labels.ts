/**
 * Bounded label values. A Prometheus series per distinct label value lives
 * until the process ends, so nothing unbounded (sector numbers, paths,
 * messages) becomes a label: each label keeps at most `max` distinct values,
 * in the order first seen, and folds the rest into `other`. Values that do not
 * look like what the label holds (a path where a host should be) are folded
 * too, so one odd line cannot make a series of its own.
 */
export const OTHER = 'other';

export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    readonly max: number,
    private readonly shape: RegExp,
    private readonly missing: string,
  ) {}

  value(raw: string | number | undefined): string {
    if (raw === undefined || raw === '') return this.missing;
    const v = String(raw);
    if (this.seen.has(v)) return v;
    if (v.length > 64 || !this.shape.test(v) || this.seen.size >= this.max) return OTHER;
    this.seen.add(v);
    return v;
  }
}

/** Host names and IP addresses (v4, v6). */
export const HOST_SHAPE = /^[A-Za-z0-9][A-Za-z0-9.:_-]*$/;
/** Words: task types, states, state-machine events, error codes, PoSt types. */
export const WORD_SHAPE = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** A miner actor's number. */
export const NUMBER_SHAPE = /^\d{1,12}$/;
