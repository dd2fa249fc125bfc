import { Command } from 'commander';
import { withContext } from '../context.ts';

export function migrateCommand(): Command {
  return new Command('migrate').description('apply pending database migrations (also done on every start)').action(async () => {
    const { migrateToLatest } = await import('../../db/migrate.ts');
    await withContext(
      async ({ db }) => {
        const applied = await migrateToLatest(db);
        process.stdout.write(applied.length === 0 ? 'database is up to date\n' : `applied: ${applied.join(', ')}\n`);
      },
      { migrate: false },
    );
  });
}
