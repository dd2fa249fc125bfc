/**
 * What every command needs: configuration, a migrated database and a logger. Opened once per
 * command and closed when it finishes.
 */
import { loadConfig, type Config } from '../config.ts';
import { connect, type DbHandle } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createLogger, type Logger } from '../log.ts';

export interface CliContext {
  config: Config;
  db: DbHandle['db'];
  log: Logger;
  now: () => Date;
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
    return await fn({ config, db: handle.db, log, now: () => new Date() });
  } finally {
    await handle.close();
  }
}
