import { Command, InvalidArgumentError } from 'commander';
import { withContext } from '../context.ts';
import { isoDateOption } from '../options.ts';
import { formatDistance, formatDuration } from '../format.ts';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

export function activitiesCommand(): Command {
  return new Command('activities')
    .description("list an athlete's activities, newest first")
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .option('--from <date>', 'first local date (YYYY-MM-DD)', isoDateOption)
    .option('--to <date>', 'last local date (YYYY-MM-DD)', isoDateOption)
    .option('--limit <n>', 'at most this many', positiveInt, 50)
    .option('--json', 'print one JSON object per activity')
    .action(async (opts: { athlete?: string; from?: string; to?: string; limit: number; json?: boolean }) => {
      const [{ listActivities }, { resolveAthlete }] = await Promise.all([
        import('../../db/repositories/activities.ts'),
        import('../../db/repositories/athletes.ts'),
      ]);
      await withContext(async ({ db }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        const rows = await listActivities(db, athlete.id, opts);
        for (const a of rows) {
          if (opts.json === true) {
            process.stdout.write(`${JSON.stringify(a)}\n`);
            continue;
          }
          const hr = `${a.avg_hr === null ? '' : `  avg HR ${a.avg_hr}`}${a.rpe === null ? '' : `  RPE ${a.rpe}`}${a.source === 'manual' ? '  (logged)' : ''}`;
          process.stdout.write(
            `${a.local_date}  ${a.category.padEnd(8)} ${(a.sub_sport ?? a.sport).padEnd(18)} ${formatDistance(a.distance_m, athlete.units).padStart(9)}  ${formatDuration(a.moving_s ?? a.elapsed_s).padStart(8)}${hr}  ${a.id}\n`,
          );
        }
        if (rows.length === 0 && opts.json !== true) process.stdout.write('no activities yet: kinetic import <files or folders>\n');
      });
    });
}
