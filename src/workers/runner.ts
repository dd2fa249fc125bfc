/**
 * The one place that picks the job runner: `REDIS_URL` set → BullMQ queues on Redis (production;
 * `kinetic worker` processes run the jobs); `KINETIC_QUEUE_BACKEND=postgres` → BullMQ queues in
 * Postgres (BullMQ's PostgreSQL backend, the same workers); neither → the in-process runner with
 * Kinetic's handlers (embedded mode; `settle()` runs them).
 */
import type { Config } from '../config.ts';
import { bullQueuesFor } from '../jobs/bullmq.ts';
import type { JobRunner } from '../jobs/queues.ts';
import type { JobDeps } from './deps.ts';
import { InlineRunner } from './inline-runner.ts';

export function createJobQueue(config: Pick<Config, 'queueBackend' | 'redisUrl' | 'databaseUrl' | 'queuePrefix'>, deps: Omit<JobDeps, 'queue'>): JobRunner {
  return bullQueuesFor(config, deps.log) ?? new InlineRunner(deps);
}
