/**
 * What every command needs: configuration, a migrated database and a logger. Opened once per
 * command and closed when it finishes.
 *
 * Light at import (types only): every command module imports this file, and `kinetic --help` must
 * not load the database, the job handlers or the mailer. They are loaded here, when a command runs.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { DbHandle } from '../db/connect.ts';
import type { Database } from '../db/schema.ts';
import type { Mailer } from '../email/smtp.ts';
import type { Logger } from '../log.ts';
import type { FitDecoding } from '../workers/decoder.ts';
import type { JobDeps } from '../workers/deps.ts';
import type { FailedJob, JobRunner, Payload, QueueName } from '../jobs/queues.ts';
import { markFailed } from './exit-code.ts';

export interface CliContext {
  config: Config;
  db: DbHandle['db'];
  log: Logger;
  now: () => Date;
  /**
   * Where commands queue jobs. Embedded mode runs them in this process when the command's function
   * returns (before the command ends); with REDIS_URL they go to BullMQ and `kinetic worker` runs them.
   */
  jobs: JobRunner;
  /** Sends email (SMTP_URL); undefined when email is not configured. */
  mail: Mailer | undefined;
  /**
   * The process's FIT decoding thread, for its jobs (`JobDeps.decodePool`) and commands that decode
   * (`kinetic serve`, `kinetic worker`); closed when the command ends. Nothing loads before a file comes.
   */
  decodePool: FitDecoding;
}

export async function withContext<T>(
  fn: (ctx: CliContext) => Promise<T>,
  opts: { migrate?: boolean; decodePool?: FitDecoding & { close(): Promise<void> } } = {},
): Promise<T> {
  const [{ loadConfig }, { createLogger }, { connect }, { LazyDecodePool }] = await Promise.all([
    import('../config.ts'),
    import('../log.ts'),
    import('../db/connect.ts'),
    import('../workers/decoder.ts'),
  ]);
  const config = loadConfig();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const handle = connect({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onConnectionError: (err) => log.warn({ err: err.message }, 'database connection lost; it will be replaced'),
  });
  // The caller's pool (`kinetic import` starts its thread before the database opens), else one of ours.
  const decodePool = opts.decodePool ?? new LazyDecodePool({ ...(config.importFileTimeoutMs !== undefined && { fileTimeLimitMs: config.importFileTimeoutMs }) });
  try {
    if (opts.migrate !== false) {
      const applied = await migrate(handle.db);
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    }
    const now = (): Date => new Date();
    const mail = config.smtpUrl === undefined ? undefined : (await import('../email/smtp.ts')).mailerFromConfig(config);
    const deps = { db: handle.db, log, now, mail, decodePool };
    const jobs = config.queueBackend === 'inline' ? new LazyInlineRunner(deps) : (await import('../workers/runner.ts')).createJobQueue(config, deps);
    try {
      const result = await fn({ config, db: handle.db, log, now, jobs, mail, decodePool });
      const failed = await jobs.settle();
      for (const f of failed) process.stderr.write(`kinetic: ${f.queue} job ${f.jobId} failed: ${f.error}\n`);
      if (failed.length > 0) markFailed();
      return result;
    } finally {
      await jobs.close();
      mail?.close();
    }
  } finally {
    if (opts.decodePool === undefined) await decodePool.close();
    await handle.close();
  }
}

/**
 * `migrateToLatest`, answered by one query on every start but the first after an upgrade: when the
 * database has recorded exactly the migrations this version knows, there is nothing to apply (the
 * migrator itself would take its lock and check its tables first: ~0.1 s on the embedded database).
 * Anything else — a new database, a pending or an unknown migration — goes through the migrator.
 */
async function migrate(db: Kysely<Database>): Promise<string[]> {
  const [{ migrations }, { sql }] = await Promise.all([import('../../migrations/index.ts'), import('kysely')]);
  const known = Object.keys(migrations);
  const recorded = await sql<{ name: string }>`select name from kysely_migration`.execute(db).then(
    (r) => new Set(r.rows.map((row) => row.name)),
    () => undefined,
  );
  if (recorded !== undefined && recorded.size === known.length && known.every((name) => recorded.has(name))) return [];
  const { migrateToLatest } = await import('../db/migrate.ts');
  return migrateToLatest(db);
}

/**
 * Embedded mode's in-process runner, loaded with the first job: it imports every job handler
 * (analysis, reports and their charts, Strava, email), which a command that queues nothing — `kinetic
 * athlete list` — should not load. Same behaviour as `InlineRunner`, which it hands everything to.
 */
class LazyInlineRunner implements JobRunner {
  private runner: Promise<JobRunner> | undefined;

  constructor(private readonly deps: Omit<JobDeps, 'queue'>) {}

  private load(): Promise<JobRunner> {
    this.runner ??= import('../workers/inline-runner.ts').then(({ InlineRunner }) => new InlineRunner(this.deps));
    return this.runner;
  }

  async enqueue<Q extends QueueName>(queue: Q, payload: Payload<Q>): Promise<void> {
    await (await this.load()).enqueue(queue, payload);
  }

  async settle(): Promise<FailedJob[]> {
    return this.runner === undefined ? [] : (await this.runner).settle();
  }

  async close(): Promise<void> {
    if (this.runner !== undefined) await (await this.runner).close();
  }
}
