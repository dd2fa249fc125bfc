import { InProcessRunner, type InlineRunnerOptions } from '../jobs/inline-runner.ts';
import { LazyDecodePool } from './decoder.ts';
import type { JobDeps } from './deps.ts';
import { HANDLERS } from './handlers.ts';

/** The deps of an InlineRunner: a caller without a decode pool of its own gets one the runner closes. */
export type InlineRunnerDeps = Omit<JobDeps, 'queue' | 'decodePool'> & { decodePool?: JobDeps['decodePool'] | undefined };

/**
 * Embedded mode's runner (and the tests'): Kinetic's handlers (`HANDLERS`), run in this process
 * (`src/jobs/inline-runner.ts`) with `deps` and the runner itself as their queue.
 */
export class InlineRunner extends InProcessRunner<JobDeps> {
  private readonly ownPool: LazyDecodePool | undefined;

  constructor(deps: InlineRunnerDeps, opts: InlineRunnerOptions = {}) {
    const ownPool = deps.decodePool === undefined ? new LazyDecodePool() : undefined;
    super(HANDLERS, { ...deps, decodePool: deps.decodePool ?? ownPool! }, opts);
    this.ownPool = ownPool;
  }

  override async close(): Promise<void> {
    await super.close();
    await this.ownPool?.close();
  }
}
