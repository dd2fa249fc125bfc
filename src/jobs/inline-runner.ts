/**
 * The embedded-mode runner: executes the handlers it is given (`src/workers/inline-runner.ts:
 * InlineRunner` gives it Kinetic's), in this process, with the same semantics as the BullMQ
 * workers — deterministic job ids (a job already waiting is not added twice, which is what coalesces
 * analysis), retries with exponential backoff, permanent failures failing at once, and failed jobs
 * kept with their payload and error.
 */
import type { Logger } from '../log.ts';
import { nextTurn } from '../util/event-loop.ts';
import {
  isPermanentJobError,
  jobIdFor,
  RetryLaterError,
  PAYLOADS,
  RETRY,
  type FailedJob,
  type Handlers,
  type JobContext,
  type JobRunner,
  type Payload,
  type QueueName,
} from './queues.ts';

export type { FailedJob };

export interface InlineRunnerOptions {
  /** Multiplies every retry delay (tests shrink it); default 1. */
  backoffScale?: number;
  /** How to wait before a retry (tests fake it); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

interface Pending {
  queue: QueueName;
  jobId: string;
  payload: unknown;
}

/** Runs `handlers` with `deps` (plus this runner as their `queue`, and each job's child logger). */
export class InProcessRunner<D extends JobContext> implements JobRunner {
  private readonly waiting = new Map<string, Pending>();
  private readonly order: string[] = [];
  readonly failed: FailedJob[] = [];
  private readonly deps: D;

  constructor(
    private readonly handlers: Handlers<D>,
    deps: Omit<D, 'queue'>,
    private readonly opts: InlineRunnerOptions = {},
  ) {
    this.deps = { ...deps, queue: this } as unknown as D;
  }

  enqueue<Q extends QueueName>(queue: Q, payload: Payload<Q>): Promise<void> {
    const jobId = jobIdFor(queue, payload);
    if (!this.waiting.has(jobId)) {
      this.waiting.set(jobId, { queue, jobId, payload });
      this.order.push(jobId);
    }
    return Promise.resolve();
  }

  /**
   * Runs every waiting job, and the jobs they enqueue, until none is left. The event loop gets a turn
   * before each job (`kinetic serve` answers requests between them): a handler whose awaits are all
   * settled at once — the embedded database runs in this thread — would otherwise run the whole queue
   * without letting a request in.
   */
  async drain(): Promise<void> {
    while (this.order.length > 0) {
      await nextTurn();
      const jobId = this.order.shift();
      if (jobId === undefined) break;
      const job = this.waiting.get(jobId);
      this.waiting.delete(jobId);
      if (job !== undefined) await this.run(job);
    }
  }

  /** Runs what is waiting and hands over the failures (each reported once). */
  async settle(): Promise<FailedJob[]> {
    await this.drain();
    return this.failed.splice(0);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async run(job: Pending): Promise<void> {
    const policy = RETRY[job.queue];
    const log: Logger = this.deps.log.child({ queue: job.queue, jobId: job.jobId });
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      try {
        const payload = PAYLOADS[job.queue].parse(job.payload);
        await (this.handlers[job.queue] as (p: unknown, d: D) => Promise<unknown>)(payload, { ...this.deps, log, lastAttempt: attempt >= policy.attempts });
        log.debug({ ms: Date.now() - started, attempt }, 'job completed');
        return;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof RetryLaterError) {
          // Not a failure: wait, then run again without counting an attempt.
          log.info({ delayMs: Math.round(err.delayMs) }, 'rate limited: waiting');
          await (this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(err.delayMs);
          attempt--;
          continue;
        }
        if (isPermanentJobError(err) || attempt >= policy.attempts) {
          log.error({ err: message, attempt, payload: job.payload }, 'job failed');
          this.failed.push({ queue: job.queue, jobId: job.jobId, payload: job.payload, error: message, attempts: attempt });
          return;
        }
        const delay = policy.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2) * (this.opts.backoffScale ?? 1);
        log.warn({ err: message, attempt, retryInMs: Math.round(delay) }, 'job failed, retrying');
        await (this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(delay);
      }
    }
  }
}
