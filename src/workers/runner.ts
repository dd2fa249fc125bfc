/**
 * The one place that picks the job runner: `REDIS_URL` set → BullMQ queues on Redis (production;
 * `kinetic worker` processes run the jobs); `KINETIC_QUEUE_BACKEND=postgres` → BullMQ queues in
 * Postgres (BullMQ's PostgreSQL backend, the same workers); neither → the in-process runner (embedded
 * mode; `settle()` runs them).
 */
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { BullQueues } from '../jobs/bullmq.ts';
import type { JobDeps } from './deps.ts';
import { InlineRunner } from '../jobs/inline-runner.ts';
import type { JobRunner } from '../jobs/queues.ts';

export function createJobQueue(config: QueueConfig, deps: Omit<JobDeps, 'queue'>): JobRunner {
  return bullQueuesFor(config, deps.log) ?? new InlineRunner(deps);
}

type QueueConfig = Pick<Config, 'queueBackend' | 'redisUrl' | 'databaseUrl' | 'queuePrefix'>;

/** The BullMQ queues the configuration names, or undefined in embedded mode (jobs run in-process). */
export function bullQueuesFor(config: QueueConfig, log: Logger): BullQueues | undefined {
  switch (config.queueBackend) {
    case 'inline':
      return undefined;
    case 'redis':
      return new BullQueues({ redisUrl: required(config.redisUrl, 'REDIS_URL'), prefix: config.queuePrefix, log });
    case 'postgres':
      return new BullQueues({ postgresUrl: required(config.databaseUrl, 'DATABASE_URL'), log });
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`${name} is not set (loadConfig checks this)`);
  return value;
}
