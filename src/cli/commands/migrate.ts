import { Command } from 'commander';
import { migrateToLatest } from '../../db/migrate.ts';
import { withContext } from '../context.ts';

export function migrateCommand(): Command {
  return new Command('migrate').description('apply pending database migrations (also done on every start)').action(async () => {
    await withContext(
      async ({ db }) => {
        const applied = await migrateToLatest(db);
        process.stdout.write(applied.length === 0 ? 'database is up to date\n' : `applied: ${applied.join(', ')}\n`);
      },
      { migrate: false },
    );
  });
}
