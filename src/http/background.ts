/**
 * Embedded mode (no REDIS_URL): the in-process runner holds the jobs requests queue (an upload's
 * `fit-ingest`, the `analysis` a settings change asks for). The server runs them in the background
 * after each response — never inside a request — one `settle()` at a time: a response that arrives
 * while a run is going asks for one more pass, so a job queued at any moment is picked up. Failed jobs
 * are logged (with payload and error) by the runner itself; the upload's row records a failed parse.
 * On close, the server waits for the current pass and runs what is still queued.
 *
 * With BullMQ queues `settle()` has nothing to do (`kinetic worker` processes run the jobs), so this
 * costs nothing there.
 */
import type { Logger } from '../log.ts';
import type { JobRunner } from '../jobs/queues.ts';

export class BackgroundJobs {
  private running: Promise<void> | undefined;
  private again = false;
  /** Jobs that failed for good since the server started (embedded mode). */
  failedCount = 0;

  constructor(
    private readonly jobs: JobRunner,
    private readonly log: Logger,
  ) {}

  /** Starts a pass over the queued jobs unless one is running (then one more pass follows it). */
  kick(): void {
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when no pass is running and nothing is left queued. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Waits for the current pass, then runs what is still queued (graceful shutdown). */
  async finish(): Promise<void> {
    await this.idle();
    this.kick();
    await this.idle();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        const failed = await this.jobs.settle();
        this.failedCount += failed.length;
        if (failed.length > 0) this.log.warn({ failed: failed.map((f) => ({ queue: f.queue, jobId: f.jobId, error: f.error })) }, 'background jobs failed');
      } catch (err) {
        this.log.error({ err }, 'background job run failed');
      }
    } while (this.again);
  }
}
