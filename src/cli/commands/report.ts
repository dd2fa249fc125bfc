import { promises as fs } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { localDateOf } from '../../domain/time.ts';
import { addWeeks, isoWeekOf } from '../../domain/iso-week.ts';
import { withContext } from '../context.ts';
import { isoWeekOption } from '../options.ts';

export type ReportFormat = 'text' | 'json' | 'html';

function formatOption(value: string): ReportFormat {
  if (value !== 'text' && value !== 'json' && value !== 'html') throw new InvalidArgumentError('must be text, json or html');
  return value;
}

export function reportCommand(): Command {
  return new Command('report')
    .description("the weekly report: the week's headline, day by day, strength, intensity, load trend, flags and next week")
    .option('--week <isoWeek>', 'ISO week, e.g. 2026-W48 (default: last week in the athlete time zone)', isoWeekOption)
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .option('--format <text|json|html>', 'output format (default text)', formatOption)
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (opts: { week?: string; athlete?: string; format?: ReportFormat; out?: string }) => {
      const format = opts.format ?? 'text';
      const [{ resolveAthlete }, { getReport }, { generateWeeklyReport }] = await Promise.all([
        import('../../db/repositories/athletes.ts'),
        import('../../db/repositories/reports.ts'),
        import('../../services/reports.ts'),
      ]);
      await withContext(async (ctx) => {
        const athlete = await resolveAthlete(ctx.db, opts.athlete);
        const isoWeek = opts.week ?? addWeeks(isoWeekOf(localDateOf(ctx.now(), athlete.timezone)), -1);
        await generateWeeklyReport(ctx, athlete.id, isoWeek);
        const stored = (await getReport(ctx.db, athlete.id, isoWeek))!;
        const text =
          format === 'json'
            ? (await import('../../report/json.ts')).renderReportJson(stored.document, stored.generatedAt)
            : format === 'html'
              ? (await import('../../report/html.ts')).renderReportHtml(stored.document, { generatedAt: stored.generatedAt })
              : (await import('../../report/text.ts')).renderReportText(stored.document);
        if (opts.out === undefined) process.stdout.write(text);
        else {
          await fs.writeFile(opts.out, text);
          process.stderr.write(`wrote the ${isoWeek} report of ${athlete.name} to ${opts.out}\n`);
        }
      });
    });
}

