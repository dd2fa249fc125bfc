/**
 * What every command needs: configuration, a migrated database and a logger. Opened once per
 * command and closed when it finishes.
 */
import { loadConfig, type Config } from '../config.ts';
import { connect, type DbHandle } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createLogger, type Logger } from '../log.ts';
import { InlineRunner } from '../workers/inline-runner.ts';
import { markFailed } from './exit-code.ts';

export interface CliContext {
  config: Config;
  db: DbHandle['db'];
  log: Logger;
  now: () => Date;
  /** Jobs run in this process (embedded mode); call `jobs.drain()` before reporting their results. */
  jobs: InlineRunner;
}

export async function withContext<T>(fn: (ctx: CliContext) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const handle = connect({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    if (opts.migrate !== false) {
      const applied = await migrateToLatest(handle.db);
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    }
    const now = (): Date => new Date();
    const jobs = new InlineRunner({ db: handle.db, log, now });
    const result = await fn({ config, db: handle.db, log, now, jobs });
    await jobs.drain();
    if (jobs.failed.length > 0) {
      for (const f of jobs.failed) process.stderr.write(`kinetic: ${f.queue} job ${f.jobId} failed: ${f.error}\n`);
      markFailed();
    }
    return result;
  } finally {
    await handle.close();
  }
}
