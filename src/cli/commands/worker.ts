import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_LOCK_DURATION_MS } from '../../jobs/lock-duration.ts';
import { QUEUE_NAMES, type QueueName } from '../../jobs/queues.ts';
import { withContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { queueNameList, requireQueues } from './queues.ts';

const DEFAULT_CONCURRENCY = 4;

function concurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('concurrency must be a whole number from 1 to 100');
  return n;
}

function lockDuration(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1000 || n > 600_000) throw new InvalidArgumentError('lock duration must be a whole number of milliseconds from 1000 to 600000');
  return n;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('run queued jobs (BullMQ) until SIGTERM or SIGINT; needs DATABASE_URL and REDIS_URL (or KINETIC_QUEUE_BACKEND=postgres)')
    .option('--queues <names>', `comma-separated queues to work on (default: all, ${QUEUE_NAMES.join(',')})`, queueNameList)
    .option('--concurrency <n>', `jobs run at once per queue (default ${DEFAULT_CONCURRENCY})`, concurrency)
    .option(
      '--lock-duration <ms>',
      `job lock and stalled-check interval: a job whose worker died is run again after 1-2 times this (default ${DEFAULT_LOCK_DURATION_MS})`,
      lockDuration,
    )
    .action(async (opts: { queues?: QueueName[]; concurrency?: number; lockDuration?: number }) => {
      const { loadConfig } = await import('../../config.ts');
      const config = loadConfig();
      requireQueues(config, 'kinetic worker');
      if (config.databaseUrl === undefined) throw new UsageError('kinetic worker needs DATABASE_URL (workers share one Postgres)');
      const [{ createLogger }, { BullQueues, registerWorker }, { reconcileUploads }, { keepReconcileScheduled }, { keepReportScheduleInSync }, { startStravaSchedule }, { handlerFor, stalledOutFor }] = await Promise.all([
        import('../../log.ts'),
        import('../../jobs/bullmq.ts'),
        import('../../services/upload-recovery.ts'),
        import('../../workers/reconcile.ts'),
        import('../../services/report-schedule.ts'),
        import('../../workers/strava.ts'),
        import('../../workers/handlers.ts'),
      ]);
      await withContext(async ({ db, jobs, now, mail, decodePool }) => {
        // The command's jobs runner is BullMQ here (Redis or Postgres): follow-up jobs go back to it.
        if (!(jobs instanceof BullQueues)) throw new Error('kinetic worker: expected BullMQ queues');
        // A long-running process logs at the configured level (commands keep `info` quiet).
        const log = createLogger(config.logLevel);
        const names = opts.queues ?? QUEUE_NAMES;
        const perQueue = opts.concurrency ?? DEFAULT_CONCURRENCY;
        // With the Postgres backend, creates BullMQ's tables before the workers check them.
        await jobs.prepare();
        const options = { queues: jobs, concurrency: perQueue, lockDurationMs: opts.lockDuration };
        const workers = names.map((q) => registerWorker(q, { db, log, now, queue: jobs, mail, decodePool }, { ...options, handler: handlerFor(q), onStalledOut: stalledOutFor(q) }));
        await Promise.all(workers.map((w) => w.worker.waitUntilReady()));
        // Schedulers in line with the athletes table and the reports a downtime missed queued, now and
        // hourly (docs/jobs.md, "Weekly schedule"). A failed pass stops no queue: the next one retries.
        const schedule = names.includes('report-tick') ? await keepReportScheduleInSync({ db, queue: jobs, log, now }) : undefined;
        // Uploads whose job was lost (Redis lost data, or the enqueue failed after the bytes were
        // stored) are queued again, those whose job failed for good marked failed; an upload with a
        // job waiting or running keeps it. The same pass as the `reconcile` job's (below).
        // A pass that fails (the database not up yet) stops nothing: the scheduled passes retry.
        if (names.includes('fit-ingest')) {
          const found = await reconcileUploads({ db, queue: jobs, log, now }).catch((err: unknown) => log.error({ err }, 'start-up reconciliation failed; the scheduled one retries'));
          if (found !== undefined && found.requeued > 0) log.info({ uploads: found.requeued }, 'unparsed uploads queued (again)');
          if (found !== undefined && found.failed > 0) log.info({ uploads: found.failed }, 'uploads whose job failed for good marked failed');
        }
        // The same, every KINETIC_RECONCILE_INTERVAL_MS, while the workers run (a job scheduler: one
        // pass per interval whatever the number of workers, re-created if Redis lost it).
        const reconcile = names.includes('reconcile') ? await keepReconcileScheduled(jobs, config.reconcileIntervalMs, log) : undefined;
        // The daily Strava reconcile (docs/strava.md); nothing when Strava is not configured.
        if (names.includes('strava-sync')) await startStravaSchedule(jobs, config, log).catch((err: unknown) => log.error({ err }, 'Strava schedule failed'));
        log.info({ queues: names, concurrency: perQueue, backend: jobs.backend, prefix: jobs.prefix, pid: process.pid }, 'worker started');
        await Promise.all(workers.map((w) => w.closed));
        await schedule?.stop();
        reconcile?.stop();
        log.info({ pid: process.pid }, 'worker stopped');
      });
    });
}
