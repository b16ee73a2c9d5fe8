import type { Definitions } from '../definitions.js';
import type { SealEvent } from '../model.js';
import { postTypeOfTask } from '../events/curio-tasks.js';

/** The field a family's rules fill with a scheduler's task id (Curio's harmonytask id: pipelines/curio). */
export const TASK_ID_FIELD = 'filecoin.task.id';

interface TaskMemory {
  name: string | undefined;
  type: string | undefined;
  sector: number | undefined;
  miner: number | undefined;
}

export interface TaskJoinOptions {
  /** Task ids remembered at most; the least recently seen are forgotten first (default 20,000). */
  maxTasks?: number;
}

/**
 * Joins a stream's lines by task id. Curio logs a task's start with its
 * sector (`Beginning work on Task {"id", "name", "sector"}`) and its failure
 * with the id only (`Do() returned error {"type", "id", "error"}`): the
 * failure takes the sector, miner and task name of its start. (`sent
 * message` names the SendMessage task, not the task that sent: its method
 * is not in the stream.) Tasks
 * whose type is a PoSt (WDP, WNP: WdPost, WdPostSubmit, WinPost) become PoSt
 * events, not task events. Memory is bounded: a Map in least-recently-seen
 * order, trimmed from the front. Streams without the task id field pass
 * untouched.
 */
export class TaskJoin {
  private readonly tasks = new Map<number, TaskMemory>();
  private readonly slot: number | undefined;
  private readonly maxTasks: number;

  constructor(
    defs: Pick<Definitions, 'fields' | 'taskTypes'>,
    opts: TaskJoinOptions = {},
  ) {
    this.slot = defs.fields.find((f) => f.name === TASK_ID_FIELD)?.slot;
    this.maxTasks = opts.maxTasks ?? 20_000;
  }

  /** Tasks remembered now (for tests). */
  get size(): number {
    return this.tasks.size;
  }

  enrich(ev: SealEvent): void {
    if (this.slot === undefined || ev.extra === undefined) return;
    const id = ev.extra.values[this.slot];
    if (typeof id !== 'number') return;
    const a = ev.action;
    if (a === 'task-started') {
      this.remember(id, { name: ev.taskName, type: ev.taskType, sector: ev.sector, miner: ev.miner });
      asPost(ev, 'post-started');
    } else if (a === 'task-failed' || a === 'task-finished') {
      const t = this.recall(id);
      if (t && (ev.taskName === undefined || ev.taskName === t.name)) {
        ev.taskName ??= t.name;
        ev.taskType ??= t.type;
        if (ev.sector === undefined && t.sector !== undefined) {
          ev.sector = t.sector;
          ev.miner ??= t.miner;
        }
      }
      asPost(ev, a === 'task-failed' ? 'post-failed' : 'post-finished');
    } else if (a === 'message-sent' && ev.messageCid === 'b') {
      // A send that failed logs cid.Undef, which prints as "b": no message has that cid.
      ev.messageCid = undefined;
    }
  }

  private remember(id: number, t: TaskMemory): void {
    this.tasks.delete(id);
    this.tasks.set(id, t);
    if (this.tasks.size > this.maxTasks) {
      const oldest = this.tasks.keys().next().value as number;
      this.tasks.delete(oldest);
    }
  }

  private recall(id: number): TaskMemory | undefined {
    const t = this.tasks.get(id);
    if (t) {
      this.tasks.delete(id);
      this.tasks.set(id, t);
    }
    return t;
  }
}

/** A task event of a PoSt task (WdPost, WinPost) is that PoSt's event. */
function asPost(ev: SealEvent, action: 'post-started' | 'post-failed' | 'post-finished'): void {
  const post = postTypeOfTask(ev.taskType);
  if (post === undefined) return;
  ev.action = action;
  ev.postType = post;
}
