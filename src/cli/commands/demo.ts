import { Command, InvalidArgumentError } from 'commander';
import type { PlanUnits } from '../../domain/units.ts';
import { DEMO_PLAN_WEEKS, DEMO_WEEKS_DONE } from '../../synth/demo-size.ts';
import { withContext } from '../context.ts';

function seedOption(value: string): number {
  const n = Number(value);
  if (!/^\d{1,9}$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a whole number (0–999999999)');
  return n;
}

function unitsOption(value: string): PlanUnits {
  if (value !== 'km' && value !== 'mi') throw new InvalidArgumentError('must be km or mi');
  return value;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      `create a demo athlete with a ${DEMO_PLAN_WEEKS}-week plan and ${DEMO_WEEKS_DONE} weeks of generated FIT files (with typical mistakes), import and analyse them, and print last week's report`,
    )
    .option('--seed <n>', 'seed of the generated training (default 1): the same seed on the same day gives the same demo', seedOption)
    .option('--units <km|mi>', "the demo athlete's units (default mi)", unitsOption)
    .action(async (opts: { seed?: number; units?: PlanUnits }) => {
      const [{ getReport }, { renderReportText }, { createDemo, DEMO_EMAIL }] = await Promise.all([
        import('../../db/repositories/reports.ts'),
        import('../../report/text.ts'),
        import('../../services/demo.ts'),
      ]);
      await withContext(async (ctx) => {
        const started = Date.now();
        const result = await createDemo(ctx, { seed: opts.seed ?? 1, units: opts.units ?? 'mi' }, (m) => process.stderr.write(`demo: ${m}\n`));
        const last = result.reports.at(-1)!;
        const report = (await getReport(ctx.db, result.athlete.id, last.isoWeek))!;
        process.stderr.write(
          `demo: ${result.replaced ? 'replaced the earlier demo athlete' : 'created the demo athlete'} ${result.athlete.name} (id ${result.athlete.id}, ${DEMO_EMAIL}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n\n`,
        );
        process.stdout.write(renderReportText(report.document));
        const id = result.athlete.id.slice(0, 8);
        const next: [string, string][] = [
          [`kinetic report --athlete ${id} --week ${result.reports.at(-2)?.isoWeek ?? last.isoWeek}`, 'an earlier week'],
          [`kinetic report --athlete ${id} --format json`, 'the report model as JSON'],
          [`kinetic week --athlete ${id} --week ${last.isoWeek}`, 'the analysis behind it'],
          [`kinetic athlete signin-link --athlete ${id}`, 'sign in to the web app (`kinetic serve`) as the demo athlete'],
        ];
        const width = Math.max(...next.map(([command]) => command.length));
        process.stderr.write(['', 'Next:', ...next.map(([command, what]) => `  ${command.padEnd(width)}   ${what}`), ''].join('\n'));
      });
    });
}
