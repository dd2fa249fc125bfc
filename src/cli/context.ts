/**
 * What every command needs: configuration, a migrated database and a logger. Opened once per
 * command and closed when it finishes.
 */
import { loadConfig, type Config } from '../config.ts';
import { connect, type DbHandle } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { mailerFromConfig, type Mailer } from '../email/smtp.ts';
import { createLogger, type Logger } from '../log.ts';
import type { JobRunner } from '../workers/queues.ts';
import { createJobQueue } from '../workers/runner.ts';
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
}

export async function withContext<T>(fn: (ctx: CliContext) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const handle = connect({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onIdleError: (err) => log.warn({ err: err.message }, 'idle database connection lost; it will be replaced'),
  });
  try {
    if (opts.migrate !== false) {
      const applied = await migrateToLatest(handle.db);
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    }
    const now = (): Date => new Date();
    const mail = mailerFromConfig(config);
    const jobs = createJobQueue(config, { db: handle.db, log, now, mail });
    try {
      const result = await fn({ config, db: handle.db, log, now, jobs, mail });
      const failed = await jobs.settle();
      for (const f of failed) process.stderr.write(`kinetic: ${f.queue} job ${f.jobId} failed: ${f.error}\n`);
      if (failed.length > 0) markFailed();
      return result;
    } finally {
      await jobs.close();
      mail?.close();
    }
  } finally {
    await handle.close();
  }
}
