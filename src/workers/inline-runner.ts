import { InProcessRunner, type InlineRunnerOptions } from '../jobs/inline-runner.ts';
import type { JobDeps } from './deps.ts';
import { HANDLERS } from './handlers.ts';

/**
 * Embedded mode's runner (and the tests'): Kinetic's handlers (`HANDLERS`), run in this process
 * (`src/jobs/inline-runner.ts`) with `deps` and the runner itself as their queue.
 */
export class InlineRunner extends InProcessRunner<JobDeps> {
  constructor(deps: Omit<JobDeps, 'queue'>, opts: InlineRunnerOptions = {}) {
    super(HANDLERS, deps, opts);
  }
}
