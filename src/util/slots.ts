/**
 * A fixed number of slots for costly work (expanding an uploaded archive): at most `size` holders at
 * once, up to `queue` more waiting their turn in arrival order, and beyond that a refusal — so that a
 * burst neither runs all at once nor piles up without end.
 */
export class Slots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly size: number,
    readonly queue: number,
  ) {}

  /**
   * A slot (call the function returned to give it back; calling it again does nothing), after waiting
   * for one when all are taken; undefined at once when all are taken and `queue` others already wait.
   */
  async acquire(): Promise<(() => void) | undefined> {
    if (this.busy < this.size) {
      this.busy++;
      return this.releaser();
    }
    if (this.waiting.length >= this.queue) return undefined;
    // The slot is handed over by its releaser (`busy` stays as it is).
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.releaser();
  }

  /** Slots taken now, and holders waiting. */
  get state(): { busy: number; waiting: number } {
    return { busy: this.busy, waiting: this.waiting.length };
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.busy--;
    };
  }
}
