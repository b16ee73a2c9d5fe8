import type { Checkpoint } from '../checkpoints/registry.js';

/** Where a stream starts reading, or why it cannot start where its checkpoint says. */
export type StartPoint =
  | { kind: 'start'; offset: number }
  /** The file is shorter than its checkpoint: it was rewritten while nobody read it, and needs a new identity. */
  | { kind: 'rewritten'; checkpoint: number };

/**
 * Where a stream identified as `checkpoint`'s starts: at its checkpoint, at 0
 * for a file new to the registry or one just rewritten under its reader
 * (`rewritten`), and nowhere for a file shorter than its checkpoint.
 */
export function startOf(checkpoint: Checkpoint | undefined, size: number, rewritten: boolean): StartPoint {
  if (rewritten || !checkpoint) return { kind: 'start', offset: 0 };
  if (checkpoint.offset > size) return { kind: 'rewritten', checkpoint: checkpoint.offset };
  return { kind: 'start', offset: checkpoint.offset };
}
