import { Command } from 'commander';
import { getWeek } from '../../db/repositories/analysis.ts';
import { resolveAthlete } from '../../db/repositories/athletes.ts';
import { localDateOf } from '../../domain/time.ts';
import { isoWeekOf } from '../../plan/iso-week.ts';
import { weekText } from '../../report/week-text.ts';
import { analyseWeeks } from '../../services/analysis.ts';
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
      await withContext(async ({ db, now }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        const isoWeek = opts.week ?? isoWeekOf(localDateOf(now(), athlete.timezone));
        let doc = opts.refresh === true ? undefined : await getWeek(db, athlete.id, isoWeek);
        doc ??= (await analyseWeeks(db, athlete.id, [isoWeek], now()))[0]!;
        process.stdout.write(opts.json === true ? `${JSON.stringify(doc, null, 2)}\n` : weekText(doc, athlete.name, athlete.units));
      });
    });
}
