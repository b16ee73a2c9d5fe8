import { dirname } from 'node:path';
import { selectFamilies, type Definitions } from '../definitions.js';
import { SealtrailError } from '../errors.js';
import type { Entry, ParsedRecord } from '../model.js';
import { shapeNamed, shapeNames, type Shape, type ShapeParser, type SnapshotOptions, type SnapshotParser } from './shapes.js';
import { TimestampReader } from './timestamp.js';
import type { ZoneResolver } from './zone.js';

export const UNKNOWN_DATASET = 'sealtrail.unknown';

/** A family with its shapes looked up: what the records stage needs of a pipeline file. */
export interface FamilyShapes {
  name: string;
  dataset: string;
  snapshot: boolean;
  /** The family's folder (its data tables). */
  dir: string;
  shapes: Shape[];
}

/** Looks up every family's shapes by name; a name no shape has is a configuration error naming the file. */
export function resolveShapes(defs: Definitions): FamilyShapes[] {
  return defs.pipelines.map((p) => ({
    name: p.name,
    dataset: p.dataset,
    snapshot: p.snapshot,
    dir: dirname(p.file),
    shapes: p.shapes.map((name) => {
      const shape = shapeNamed(name);
      if (!shape) throw new SealtrailError('E_CONFIG', `${p.file}: unknown shape ${JSON.stringify(name)}; known: ${shapeNames().join(', ')}`, 'fix the pipeline file; see pipelines/README.md');
      return shape;
    }),
  }));
}

interface Candidate {
  parse: ShapeParser;
  dataset: string;
}

/**
 * Entries → records: reads the leading timestamp once, then offers the body
 * to each family's shapes in the pipelines' priority order (or only to the
 * family named by `--format`). A body no shape takes is still a record:
 * message = the body (after its timestamp, if one parsed).
 */
export class RecordParser {
  private readonly timed: Candidate[] = [];
  private readonly json: Candidate[] = [];
  private readonly ts = new TimestampReader();
  private readonly snapshots: { parse: SnapshotParser; dataset: string }[] = [];

  /** `at`: the time of a snapshot (a command's output), for the snapshot shapes; `snapshot`: what else they are told. */
  constructor(
    families: FamilyShapes[],
    private readonly zone: ZoneResolver,
    format?: string,
    at: () => number = Date.now,
    snapshot: SnapshotOptions = { notice: () => {} },
  ) {
    for (const f of selectFamilies(families, format)) {
      for (const shape of f.shapes) {
        if (shape.takes === 'snapshot') this.snapshots.push({ parse: shape.start(at, f.dir, zone, snapshot), dataset: f.dataset });
        else (shape.takes === 'json' ? this.json : this.timed).push({ parse: shape.parse, dataset: f.dataset });
      }
    }
  }

  /** A record; several when a command's output row holds several things (`chain list`: a tipset's blocks). */
  parse(entry: Entry): ParsedRecord | ParsedRecord[] {
    const body = entry.body;
    for (const s of this.snapshots) {
      const r = s.parse(body, s.dataset);
      if (r) return r;
    }
    const ts = this.ts;
    if (body.charCodeAt(0) === 123) {
      for (const c of this.json) {
        const r = c.parse(body, ts, this.zone, c.dataset);
        if (r) return r;
      }
      return unknownRecord(NaN, body, 'json_invalid');
    }
    if (ts.read(body)) {
      for (const c of this.timed) {
        const r = c.parse(body, ts, this.zone, c.dataset);
        if (r) return r;
      }
      let start = ts.end;
      while (body.charCodeAt(start) === 32 || body.charCodeAt(start) === 9) start++;
      return unknownRecord(ts.zoned ? ts.ms : this.zone.toUtc(ts.ms), body.slice(start), undefined);
    }
    // A line that looked like a timestamp but is not one (`2020-13-45T…`), or no timestamp at all.
    return unknownRecord(NaN, body, undefined);
  }
}

function unknownRecord(time: number, message: string, tag: string | undefined): ParsedRecord {
  return {
    time,
    level: undefined,
    logger: undefined,
    originFile: undefined,
    originLine: undefined,
    message,
    fieldsText: undefined,
    fields: undefined,
    dataset: UNKNOWN_DATASET,
    tags: tag ? [tag] : undefined,
  };
}
