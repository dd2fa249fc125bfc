/**
 * `kinetic activity log|rpe|note`: what the athlete tells about their training (issue #18, point 15) —
 * a session done without a watch, and the session RPE and a note of any activity. Each queues the
 * analysis of the week it changes (run before the command ends in embedded mode).
 */
import { Command, InvalidArgumentError } from 'commander';
import {
  MANUAL_LIMITS,
  MANUAL_SPORTS,
  NOTE_MAX_LENGTH,
  parseExercise,
  RPE_MAX,
  RPE_MIN,
  type LoggedExercise,
  type ManualSport,
} from '../../domain/athlete-input.ts';
import { parseReportTime } from '../../domain/report-schedule.ts';
import { parseDistance, parseDuration } from '../../domain/units.ts';
import type { ActivityRow } from '../../db/schema.ts';
import { withContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatDuration } from '../format.ts';
import { isoDateOption } from '../options.ts';

/** `--rpe 7`: a whole number from 1 to 10. */
export function rpeOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < RPE_MIN || n > RPE_MAX) throw new InvalidArgumentError(`RPE "${value}" must be a whole number from ${RPE_MIN} to ${RPE_MAX}`);
  return n;
}

function startOption(value: string): string {
  const time = parseReportTime(value);
  if (time === null) throw new InvalidArgumentError(`--start "${value}" is not a time of day: use HH:MM, e.g. 18:30`);
  return time;
}

function durationOption(value: string): number {
  const parsed = /^\d+$/.test(value.trim()) ? { ok: true as const, value: Number(value) * 60 } : parseDuration(value);
  if (!parsed.ok) throw new InvalidArgumentError(`--duration ${parsed.error}`);
  if (parsed.value < MANUAL_LIMITS.minDurationS || parsed.value > MANUAL_LIMITS.maxDurationS) {
    throw new InvalidArgumentError(`--duration must be from ${MANUAL_LIMITS.minDurationS / 60} min to ${MANUAL_LIMITS.maxDurationS / 3600} h`);
  }
  return parsed.value;
}

function distanceOption(value: string): number {
  const parsed = parseDistance(value);
  if (!parsed.ok) throw new InvalidArgumentError(`--distance ${parsed.error}`);
  return parsed.value;
}

function sportOption(value: string): ManualSport {
  const sport = MANUAL_SPORTS.find((s) => s === value.toLowerCase());
  if (sport === undefined) throw new InvalidArgumentError(`--sport "${value}" must be one of ${MANUAL_SPORTS.join(', ')}`);
  return sport;
}

function noteOption(value: string): string {
  if (value.length > NOTE_MAX_LENGTH) throw new InvalidArgumentError(`the note is longer than ${NOTE_MAX_LENGTH} characters`);
  return value;
}

function collectExercise(value: string, previous: LoggedExercise[]): LoggedExercise[] {
  const e = parseExercise(value);
  if (e === null) throw new InvalidArgumentError(`--exercise "${value}" must look like "squat 3x8x60" (name, sets x reps, optional kg)`);
  const L = MANUAL_LIMITS;
  if (e.name.length > L.maxNameLength) throw new InvalidArgumentError(`--exercise name is longer than ${L.maxNameLength} characters`);
  if (e.sets < 1 || e.sets > L.maxSets) throw new InvalidArgumentError(`--exercise "${value}": sets must be from 1 to ${L.maxSets}`);
  if (e.reps < 1 || e.reps > L.maxReps) throw new InvalidArgumentError(`--exercise "${value}": reps must be from 1 to ${L.maxReps}`);
  if (e.weightKg !== null && e.weightKg > L.maxWeightKg) throw new InvalidArgumentError(`--exercise "${value}": weight must be at most ${L.maxWeightKg} kg`);
  if (previous.length >= L.maxExercises) throw new InvalidArgumentError(`at most ${L.maxExercises} --exercise options`);
  return [...previous, e];
}

function describe(a: ActivityRow): string {
  const rpe = a.rpe === null ? '' : `  RPE ${a.rpe}`;
  const note = a.note === null ? '' : `  “${a.note}”`;
  return `${a.id}  ${a.local_date}  ${a.category} (${a.sub_sport ?? a.sport})  ${formatDuration(a.moving_s ?? a.elapsed_s)}${rpe}${note}\n`;
}

interface LogOptions {
  athlete?: string;
  date: string;
  start: string;
  duration: number;
  rpe: number;
  sport: ManualSport;
  name?: string;
  note?: string;
  distance?: number;
  exercise: LoggedExercise[];
  json?: boolean;
}

/** Sets an activity's RPE or note and prints it (an unknown or ambiguous id is a usage error). */
async function annotate(ref: string, input: { rpe?: number | null; note?: string | null }, json: boolean | undefined): Promise<void> {
  const [{ findActivityByRef }, { annotateActivity }] = await Promise.all([
    import('../../db/repositories/activities.ts'),
    import('../../services/athlete-input.ts'),
  ]);
  await withContext(async ({ db, jobs }) => {
    const found = await findActivityByRef(db, ref);
    if (found === 'ambiguous') throw new UsageError(`activity id prefix ${ref} is ambiguous: give more characters`);
    if (found === undefined) throw new UsageError(`no activity with id ${ref} (see \`kinetic activities\`)`);
    const row = (await annotateActivity(db, jobs, found.id, input))!;
    process.stdout.write(json === true ? `${JSON.stringify(row)}\n` : describe(row));
  });
}

export function activityCommand(): Command {
  const cmd = new Command('activity').description('log a session done without a watch; give an activity its RPE or a note');
  cmd
    .command('log')
    .description('log a session done without a watch (a strength session, or cross-training) and print its id')
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .requiredOption('--date <date>', 'local date (YYYY-MM-DD)', isoDateOption)
    .requiredOption('--start <HH:MM>', 'local time it started', startOption)
    .requiredOption('--duration <time>', 'how long: minutes (45), or 45 min, 1h10, 1:10:00', durationOption)
    .requiredOption('--rpe <1-10>', 'session RPE: how hard the whole session was (CR-10: 3 moderate, 5 hard, 7 very hard)', rpeOption)
    .option('--sport <sport>', `${MANUAL_SPORTS.join(', ')}`, sportOption, 'strength')
    .option('--exercise <text>', 'an exercise as "name SETSxREPSxKG", e.g. "squat 3x8x60" or "plank 3x1" (repeatable)', collectExercise, [])
    .option('--distance <distance>', 'distance of a cross-training session, e.g. 25 km (never running volume)', distanceOption)
    .option('--name <name>', 'a name for the session')
    .option('--note <text>', 'a note', noteOption)
    .option('--json', 'print the activity as JSON')
    .action(async (opts: LogOptions) => {
      if (opts.exercise.length > 0 && opts.sport !== 'strength') throw new UsageError('--exercise is for strength sessions (--sport strength)');
      const [{ resolveAthlete }, { logManualActivity, FutureSessionError }] = await Promise.all([
        import('../../db/repositories/athletes.ts'),
        import('../../services/athlete-input.ts'),
      ]);
      await withContext(async ({ db, jobs, now }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        const row = await logManualActivity(db, jobs, athlete, {
          date: opts.date,
          startTime: opts.start,
          durationS: opts.duration,
          rpe: opts.rpe,
          sport: opts.sport,
          name: opts.name ?? null,
          note: opts.note ?? null,
          distanceM: opts.distance ?? null,
          exercises: opts.exercise,
        }, now()).catch((err: unknown) => {
          throw err instanceof FutureSessionError ? new UsageError(`--date ${err.message}`) : err;
        });
        process.stdout.write(opts.json === true ? `${JSON.stringify(row)}\n` : describe(row));
      });
    });
  cmd
    .command('rpe')
    .description("set an activity's session RPE (1–10), used for its load when it has no heart rate; `none` clears it")
    .argument('<activity>', 'activity id (or the first characters of it; see `kinetic activities`)')
    .argument('<rpe>', 'a whole number from 1 to 10, or none', (v: string) => (v === 'none' ? null : rpeOption(v)))
    .option('--json', 'print the activity as JSON')
    .action(async (ref: string, rpe: number | null, opts: { json?: boolean }) => annotate(ref, { rpe }, opts.json));
  cmd
    .command('note')
    .description("set an activity's note; an empty note clears it")
    .argument('<activity>', 'activity id (or the first characters of it; see `kinetic activities`)')
    .argument('<text>', 'the note', noteOption)
    .option('--json', 'print the activity as JSON')
    .action(async (ref: string, text: string, opts: { json?: boolean }) => annotate(ref, { note: text === '' ? null : text }, opts.json));
  cmd
    .command('delete')
    .description('delete a session logged by hand (a mistake in the log); recorded activities stay')
    .argument('<activity>', 'activity id (or the first characters of it; see `kinetic activities`)')
    .action(async (ref: string) => {
      const [{ findActivityByRef }, { deleteLoggedActivity, NotManualActivityError }] = await Promise.all([
        import('../../db/repositories/activities.ts'),
        import('../../services/athlete-input.ts'),
      ]);
      await withContext(async ({ db, jobs }) => {
        const found = await findActivityByRef(db, ref);
        if (found === 'ambiguous') throw new UsageError(`activity id prefix ${ref} is ambiguous: give more characters`);
        if (found === undefined) throw new UsageError(`no activity with id ${ref} (see \`kinetic activities\`)`);
        await deleteLoggedActivity(db, jobs, found).catch((err: unknown) => {
          throw err instanceof NotManualActivityError ? new UsageError(err.message) : err;
        });
        process.stdout.write(`deleted ${found.id} (${found.local_date}, ${found.sub_sport ?? found.sport})\n`);
      });
    });
  return cmd;
}
