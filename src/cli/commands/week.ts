import { Command } from 'commander';
import { withContext } from '../context.ts';
import { isoWeekOption } from '../options.ts';

export function weekCommand(): Command {
  return new Command('week')
    .description("a week's compliance: planned vs done, sessions, strength, intensity and load")
    .option('--week <isoWeek>', 'ISO week, e.g. 2026-W48 (default: this week in the athlete time zone)', isoWeekOption)
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .option('--refresh', 'recompute the week even when it is stored')
    .option('--json', 'print the stored analysis document as JSON')
    .action(async (opts: { week?: string; athlete?: string; json?: boolean; refresh?: boolean }) => {
      const [{ resolveAthlete }, { weekText }, { weekDocument }, { parseThresholdOverrides, resolveThresholds }] = await Promise.all([
        import('../../db/repositories/athletes.ts'),
        import('../../report/week-text.ts'),
        import('../../services/weeks.ts'),
        import('../../recommend/types.ts'),
      ]);
      await withContext(async ({ db, now }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        // The same function answers GET /athletes/:id/weeks/:isoWeek.
        const doc = await weekDocument(db, athlete, opts.week, now(), { refresh: opts.refresh === true });
        const minStrength = resolveThresholds(parseThresholdOverrides(athlete.recommend_thresholds ?? {})).minWeeklyStrengthMinutes;
        process.stdout.write(opts.json === true ? `${JSON.stringify(doc, null, 2)}\n` : weekText(doc, athlete.name, athlete.units, minStrength));
      });
    });
}
