/**
 * Paths worth a look (a watcher's event, a rescan's find, a path a closed
 * copy leaves behind), looked at one at a time and in the order they came;
 * a path hinted again while it waits is looked at once.
 */
export class HintQueue {
  private readonly paths = new Set<string>();
  private loop: Promise<void> | undefined;

  /** `look`: what the hint is worth (true: look at the path again); a throw is the caller's to have reported. */
  constructor(
    private readonly look: (path: string) => Promise<boolean>,
    private readonly stopping: () => boolean,
  ) {}

  add(path: string): void {
    if (this.stopping()) return;
    this.paths.add(path);
    this.kick();
  }

  /** Nothing waits and nothing is being looked at. */
  get idle(): boolean {
    return !this.loop && this.paths.size === 0;
  }

  /** Resolves when the current round of looks is over. */
  async settled(): Promise<void> {
    if (this.loop) await this.loop;
  }

  private kick(): void {
    if (this.loop) return;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      // A hint that came as the loop was ending.
      if (this.paths.size > 0 && !this.stopping()) this.kick();
    });
  }

  private async run(): Promise<void> {
    while (this.paths.size > 0 && !this.stopping()) {
      const path = this.paths.values().next().value as string;
      this.paths.delete(path);
      if (await this.look(path)) this.add(path);
    }
  }
}
