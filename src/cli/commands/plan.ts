import { promises as fs } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { localDateOf } from '../../domain/time.ts';
import type { TrainingPlan } from '../../domain/plan.ts';
import { displayDistance, displayDuration } from '../../domain/units.ts';
import { displayTarget } from '../../domain/target.ts';
import type { GenerateArgs } from '../../plan/generate.ts';
import { addDays, dayLabel, mondayOf } from '../../domain/iso-week.ts';
import type { PlanFileFormat } from '../../services/plans.ts';
import { withContext, type CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { markFailed } from '../exit-code.ts';
import { isoDateOption, isoWeekOption } from '../options.ts';

function fileFormat(value: string): PlanFileFormat {
  if (value !== 'yaml' && value !== 'csv') throw new InvalidArgumentError('must be yaml or csv');
  return value;
}

async function writeOut(text: string, out: string | undefined): Promise<void> {
  if (out === undefined) process.stdout.write(text);
  else await fs.writeFile(out, text);
}

async function activePlanOrFail(ctx: CliContext, athleteRef: string | undefined) {
  const [{ resolveAthlete }, { getActivePlan }] = await Promise.all([import('../../db/repositories/athletes.ts'), import('../../db/repositories/plans.ts')]);
  const athlete = await resolveAthlete(ctx.db, athleteRef);
  const stored = await getActivePlan(ctx.db, athlete.id);
  if (stored === undefined) throw new UsageError(`${athlete.name} has no plan yet: kinetic plan import <file> or kinetic plan generate --import`);
  return { athlete, stored };
}

function sessionLine(s: TrainingPlan['sessions'][number], units: TrainingPlan['units']): string {
  const amount = [s.distanceM === null ? null : displayDistance(s.distanceM, units), s.durationS === null ? null : displayDuration(s.durationS)]
    .filter((x) => x !== null)
    .join(', ');
  const target = s.target === null ? '' : `  [${displayTarget(s.target, units)}]`;
  const notes = s.notes === null ? '' : `  ${s.notes}`;
  return `${dayLabel(s.date)}  ${s.order > 1 ? `(${s.order}) ` : ''}${s.kind.padEnd(10)} ${amount}${target}${notes}`;
}

function replacedLine(replaced: { id: string; name: string }): string {
  return `this replaces the active plan "${replaced.name}" (id ${replaced.id}), kept as history`;
}

export function planCommand(): Command {
  const cmd = new Command('plan').description('training plans: import, show, export, generate, check');

  cmd
    .command('import')
    .description("make a YAML or CSV plan the athlete's active plan (the previous one is kept as history)")
    .argument('<file>', 'plan file (.yaml, .yml or .csv)')
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .option('--format <yaml|csv>', 'file format (default: from the extension)', fileFormat)
    .option('--name <name>', 'plan name for a CSV file (default: the file name)')
    .option('--start <date>', 'first day of a CSV plan (default: its first session)', isoDateOption)
    .action(async (file: string, opts: { athlete?: string; format?: PlanFileFormat; name?: string; start?: string }) => {
      const [{ resolveAthlete }, { checkPlan }, { importPlan, parsePlanFile }] = await Promise.all([
        import('../../db/repositories/athletes.ts'),
        import('../../plan/check.ts'),
        import('../../services/plans.ts'),
      ]);
      const text = await fs.readFile(file, 'utf8').catch(() => {
        throw new UsageError(`cannot read ${file}`);
      });
      const plan = parsePlanFile(text, file, { format: opts.format, name: opts.name, startDate: opts.start });
      await withContext(async ({ db, jobs, now }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        const stored = await importPlan(db, jobs, {
          athleteId: athlete.id,
          plan,
          source: opts.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'yaml'),
          now: now(),
          today: localDateOf(now(), athlete.timezone),
        });
        const findings = checkPlan(plan);
        process.stdout.write(
          `imported plan "${plan.name}": ${stored.sessions.length} sessions from ${plan.startDate}${plan.race === null ? '' : `, race ${plan.race.date}`} (id ${stored.plan.id})\n`,
        );
        if (stored.replaced !== null) process.stdout.write(`${replacedLine(stored.replaced)}\n`);
        if (findings.length > 0) process.stdout.write(`plan check: ${findings.length} finding(s); see kinetic plan check\n`);
      });
    });

  cmd
    .command('show')
    .description('show the active plan: a week, or a summary of all weeks')
    .option('--athlete <id>', 'athlete id')
    .option('--week <isoWeek>', 'one ISO week, e.g. 2027-W03', isoWeekOption)
    .option('--json', 'print JSON')
    .action(async (opts: { athlete?: string; week?: string; json?: boolean }) => {
      const [{ toTrainingPlan }, { planWeeks }] = await Promise.all([import('../../db/repositories/plans.ts'), import('../../plan/check.ts')]);
      await withContext(async (ctx) => {
        const { stored } = await activePlanOrFail(ctx, opts.athlete);
        const plan = toTrainingPlan(stored);
        if (opts.week !== undefined) {
          const from = mondayOf(opts.week);
          const to = addDays(from, 6);
          const sessions = stored.sessions.filter((s) => s.date >= from && s.date <= to);
          if (opts.json === true) {
            process.stdout.write(`${JSON.stringify({ plan: stored.plan, week: opts.week, sessions }, null, 2)}\n`);
            return;
          }
          process.stdout.write(`${plan.name} — week ${opts.week} (${from} to ${to})\n`);
          if (sessions.length === 0) process.stdout.write('no sessions planned this week\n');
          for (const s of sessions) process.stdout.write(`${sessionLine(s, plan.units)}\n`);
          return;
        }
        if (opts.json === true) {
          process.stdout.write(`${JSON.stringify({ plan: stored.plan, sessions: stored.sessions }, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${plan.name}: ${plan.startDate}${plan.race === null ? '' : ` → race ${plan.race.date}`}, ${stored.sessions.length} sessions\n`);
        for (const w of planWeeks(plan)) {
          const sessions = stored.sessions.filter((s) => s.date >= w.monday && s.date <= addDays(w.monday, 6));
          const runM = sessions.reduce((n, s) => n + (s.kind !== 'strength' && s.kind !== 'cross' ? (s.distanceM ?? 0) : 0), 0);
          const strength = sessions.filter((s) => s.kind === 'strength').length;
          const kinds = sessions.filter((s) => s.kind !== 'rest').map((s) => s.kind).join(' ');
          process.stdout.write(`${w.week}  ${displayDistance(runM, plan.units).padStart(8)}  strength ${strength}  ${kinds}\n`);
        }
      });
    });

  cmd
    .command('export')
    .description('export the active plan as iCalendar (.ics), YAML or CSV')
    .requiredOption('--format <ics|yaml|csv>', 'output format', (v: string) => {
      if (v !== 'ics' && v !== 'yaml' && v !== 'csv') throw new InvalidArgumentError('must be ics, yaml or csv');
      return v;
    })
    .option('--athlete <id>', 'athlete id')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (opts: { format: 'ics' | 'yaml' | 'csv'; athlete?: string; out?: string }) => {
      const { toTrainingPlan } = await import('../../db/repositories/plans.ts');
      await withContext(async (ctx) => {
        const { athlete, stored } = await activePlanOrFail(ctx, opts.athlete);
        const plan = toTrainingPlan(stored);
        const text =
          opts.format === 'ics'
            ? (await import('../../ingest/plan/ics.ts')).planToIcs(plan, { uidSeed: athlete.id, athleteName: athlete.name, generatedAt: ctx.now() })
            : opts.format === 'yaml'
              ? (await import('../../ingest/plan/yaml.ts')).planToYaml(plan)
              : (await import('../../ingest/plan/csv.ts')).planToCsv(plan);
        await writeOut(text, opts.out);
      });
    });

  cmd
    .command('generate')
    .description('draft a marathon plan (base → build → peak → taper, strength on the hard days) as YAML')
    .requiredOption('--race-date <date>', 'race day, YYYY-MM-DD')
    .option('--weeks <n>', 'plan length, 12 to 20 weeks (default 16)')
    .option('--runs-per-week <n>', 'runs a week, 3 to 7 (default 5)')
    .option('--peak-distance <distance>', 'peak weekly distance, e.g. 40mi or 65km')
    .option('--long-run-day <day>', 'mon … sun (default sun)')
    .option('--strength-sessions <n>', 'strength sessions a week, 1 or 2 (default 2)')
    .option('--units <km|mi>', 'units of the plan (default km)')
    .option('--goal <time>', 'goal time, e.g. 3:30:00')
    .option('--name <name>', 'plan name')
    .option('--out <file>', 'write the YAML to a file instead of standard output')
    .option('--import', "make the generated plan the athlete's active plan")
    .option('--athlete <id>', 'athlete id (with --import)')
    .action(async (opts: GenerateArgs & { out?: string; import?: boolean; athlete?: string }) => {
      const [{ generatePlan, parseGenerateArgs }, { planToYaml }] = await Promise.all([import('../../plan/generate.ts'), import('../../ingest/plan/yaml.ts')]);
      // A plan never starts in the past: today is the machine's local date.
      const plan = generatePlan({ ...parseGenerateArgs(opts), today: localDateOf(new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone) });
      if (opts.out !== undefined || opts.import !== true) await writeOut(planToYaml(plan), opts.out);
      if (opts.import !== true) return;
      const [{ resolveAthlete }, { importPlan }] = await Promise.all([import('../../db/repositories/athletes.ts'), import('../../services/plans.ts')]);
      await withContext(async ({ db, jobs, now }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        const stored = await importPlan(db, jobs, {
          athleteId: athlete.id,
          plan,
          source: 'generated',
          now: now(),
          today: localDateOf(now(), athlete.timezone),
        });
        process.stderr.write(`imported as the active plan of ${athlete.name} (id ${stored.plan.id})\n`);
        if (stored.replaced !== null) process.stderr.write(`${replacedLine(stored.replaced)}\n`);
      });
    });

  cmd
    .command('check')
    .description('lint a plan file (or the active plan) against the coaching rules; exit code 1 when there are findings')
    .argument('[file]', 'plan file; default the active plan')
    .option('--athlete <id>', 'athlete id (without a file)')
    .option('--format <yaml|csv>', 'file format (default: from the extension)', fileFormat)
    .option('--json', 'print the findings as JSON')
    .action(async (file: string | undefined, opts: { athlete?: string; format?: PlanFileFormat; json?: boolean }) => {
      const [{ toTrainingPlan }, { checkPlan, formatFindings }, { parsePlanFile }] = await Promise.all([
        import('../../db/repositories/plans.ts'),
        import('../../plan/check.ts'),
        import('../../services/plans.ts'),
      ]);
      let plan: TrainingPlan;
      if (file !== undefined) {
        const text = await fs.readFile(file, 'utf8').catch(() => {
          throw new UsageError(`cannot read ${file}`);
        });
        plan = parsePlanFile(text, file, { format: opts.format });
      } else {
        plan = await withContext(async (ctx) => toTrainingPlan((await activePlanOrFail(ctx, opts.athlete)).stored));
      }
      const findings = checkPlan(plan);
      process.stdout.write(opts.json === true ? `${JSON.stringify(findings, null, 2)}\n` : `${formatFindings(findings)}\n`);
      if (findings.length > 0) markFailed();
    });

  return cmd;
}
