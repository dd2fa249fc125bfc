/**
 * The one place that picks the job runner: `REDIS_URL` set → BullMQ queues (production; `kinetic
 * worker` processes run the jobs), unset → the in-process runner (embedded mode; `settle()` runs them).
 */
import type { Config } from '../config.ts';
import { BullQueues } from './bullmq.ts';
import type { JobDeps } from './deps.ts';
import { InlineRunner } from './inline-runner.ts';
import type { JobRunner } from './queues.ts';

export function createJobQueue(config: Pick<Config, 'redisUrl' | 'queuePrefix'>, deps: Omit<JobDeps, 'queue'>): JobRunner {
  if (config.redisUrl === undefined) return new InlineRunner(deps);
  return new BullQueues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log: deps.log });
}
