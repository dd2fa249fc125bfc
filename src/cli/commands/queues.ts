import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../../config.ts';
import type { BullQueues } from '../../jobs/bullmq.ts';
import { QUEUE_NAMES, type QueueName } from '../../jobs/queues.ts';
import { UsageError } from '../errors.ts';

export function queueName(value: string): QueueName {
  const name = value.trim();
  if (!(QUEUE_NAMES as string[]).includes(name)) throw new InvalidArgumentError(`unknown queue "${name}" (queues: ${QUEUE_NAMES.join(', ')})`);
  return name as QueueName;
}

/** `fit-ingest,analysis` → both names, each checked. */
export function queueNameList(value: string): QueueName[] {
  const names = value.split(',').filter((v) => v.trim() !== '').map(queueName);
  if (names.length === 0) throw new InvalidArgumentError('name at least one queue');
  return [...new Set(names)];
}

/** The BullMQ commands need queues: a clear message in embedded mode (no REDIS_URL, no Postgres queue backend). */
export function requireQueues(config: Config, command: string): void {
  if (config.queueBackend === 'inline') {
    throw new UsageError(
      `${command} needs REDIS_URL (the Redis that holds the job queues), or KINETIC_QUEUE_BACKEND=postgres with DATABASE_URL; without them, jobs run inside each command`,
    );
  }
}

async function withQueues<T>(command: string, fn: (queues: BullQueues) => Promise<T>): Promise<T> {
  const { loadConfig } = await import('../../config.ts');
  const config = loadConfig();
  requireQueues(config, command);
  const [{ createLogger }, { bullQueuesFor }] = await Promise.all([import('../../log.ts'), import('../../jobs/bullmq.ts')]);
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const queues = bullQueuesFor(config, log)!;
  try {
    return await fn(queues);
  } finally {
    await queues.close();
  }
}

export function queuesCommand(): Command {
  const cmd = new Command('queues')
    .description('job counts per queue and state (BullMQ on REDIS_URL, or in Postgres with KINETIC_QUEUE_BACKEND=postgres)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withQueues('kinetic queues', async (queues) => {
        const { JOB_STATES } = await import('../../jobs/bullmq.ts');
        const counts = await queues.counts();
        if (opts.json === true) {
          process.stdout.write(`${JSON.stringify({ backend: queues.backend, prefix: queues.prefix, queues: counts }, null, 2)}\n`);
          return;
        }
        const width = Math.max(5, ...QUEUE_NAMES.map((q) => q.length));
        process.stdout.write(`${['queue'.padEnd(width), ...JOB_STATES.map((s) => s.padStart(9))].join(' ')}\n`);
        for (const q of QUEUE_NAMES) {
          process.stdout.write(`${[q.padEnd(width), ...JOB_STATES.map((s) => String(counts[q][s]).padStart(9))].join(' ')}\n`);
        }
      });
    });

  cmd
    .command('retry-failed')
    .description('queue failed jobs again, with their payload and all their attempts')
    .option('--queue <name>', `only this queue (${QUEUE_NAMES.join(', ')})`, queueName)
    .action(async (opts: { queue?: QueueName }) => {
      await withQueues('kinetic queues retry-failed', async (queues) => {
        const retried = await queues.retryFailed(opts.queue === undefined ? QUEUE_NAMES : [opts.queue]);
        for (const job of retried) process.stdout.write(`re-queued ${job.queue} job ${job.jobId} (failed: ${job.error})\n`);
        process.stdout.write(retried.length === 0 ? 'no failed jobs\n' : `re-queued ${retried.length} failed job(s)\n`);
      });
    });

  return cmd;
}
