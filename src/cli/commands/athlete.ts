import { Command, InvalidArgumentError } from 'commander';
import { isValidTimeZone } from '../../domain/time.ts';
import { describeReportSchedule, isoWeekdayNumber, parseReportTime } from '../../domain/report-schedule.ts';
import { parseWeekday } from '../../domain/iso-week.ts';
import { UNAVAILABLE_REASONS, type UnavailableReason } from '../../domain/athlete-input.ts';
import type { UnavailablePeriodRow } from '../../db/schema.ts';
import { withContext } from '../context.ts';
import { isoDateOption } from '../options.ts';
import { UsageError } from '../errors.ts';

function intIn(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

function timeZone(value: string): string {
  if (!isValidTimeZone(value)) throw new InvalidArgumentError(`unknown time zone "${value}" (use an IANA name such as Europe/London)`);
  return value;
}

function sex(value: string): 'f' | 'm' {
  if (value !== 'f' && value !== 'm') throw new InvalidArgumentError('sex must be f or m');
  return value;
}

/** `4:10/km` or `6:45/mi` → metres per second. */
export function parsePace(value: string): number {
  const m = /^(\d{1,2}):([0-5]\d)\s*\/\s*(km|mi)$/.exec(value.trim());
  if (m === null) throw new InvalidArgumentError(`pace "${value}" must look like 4:10/km or 6:45/mi`);
  const seconds = Number(m[1]) * 60 + Number(m[2]);
  if (seconds === 0) throw new InvalidArgumentError('pace must be more than 0:00');
  const metres = m[3] === 'mi' ? 1609.344 : 1000;
  return metres / seconds;
}

function units(value: string): 'km' | 'mi' {
  if (value !== 'km' && value !== 'mi') throw new InvalidArgumentError('units must be km or mi');
  return value;
}

function collectThreshold(value: string, previous: Record<string, number>): Record<string, number> {
  const m = /^([A-Za-z]+)=(-?\d+(?:\.\d+)?)$/.exec(value.trim());
  if (m === null) throw new InvalidArgumentError(`"${value}" must look like name=number, e.g. minWeeklyStrengthMinutes=50`);
  return { ...previous, [m[1]!]: Number(m[2]) };
}

/** `--report-day mon` … `sun` (or the full name) → ISO weekday number, 1 = Monday. */
function reportDay(value: string): number {
  const day = parseWeekday(value);
  if (day === null) throw new InvalidArgumentError(`--report-day "${value}" is not a weekday: use mon, tue, wed, thu, fri, sat or sun`);
  return isoWeekdayNumber(day);
}

function reportTime(value: string): string {
  const time = parseReportTime(value);
  if (time === null) throw new InvalidArgumentError(`--report-time "${value}" is not a time of day: use HH:MM from 00:00 to 23:59, e.g. 07:00`);
  return time;
}

function checkEmail(email: string): string {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw new InvalidArgumentError(`--email "${email}" is not an email address`);
  return email;
}

interface UpdateOptions {
  athlete?: string;
  name?: string;
  email?: string;
  tz?: string;
  maxHr?: number;
  restingHr?: number;
  lthr?: number;
  sex?: 'f' | 'm';
  thresholdPace?: number;
  units?: 'km' | 'mi';
  reportDay?: number;
  reportTime?: string;
  threshold: Record<string, number>;
  resetThresholds?: boolean;
  json?: boolean;
}

interface UnavailableOptions {
  athlete?: string;
  from?: string;
  to?: string;
  reason?: UnavailableReason;
  note?: string;
  list?: boolean;
  remove?: string;
  json?: boolean;
}

function unavailableReason(value: string): UnavailableReason {
  const reason = UNAVAILABLE_REASONS.find((r) => r === value.toLowerCase());
  if (reason === undefined) throw new InvalidArgumentError(`--reason "${value}" must be one of ${UNAVAILABLE_REASONS.join(', ')}`);
  return reason;
}

interface AddOptions {
  name: string;
  email?: string;
  tz: string;
  maxHr?: number;
  restingHr?: number;
  lthr?: number;
  sex?: 'f' | 'm';
  thresholdPace?: number;
  units: 'km' | 'mi';
  reportDay?: number;
  reportTime?: string;
  json?: boolean;
}

export function athleteCommand(): Command {
  const cmd = new Command('athlete').description('create and list athletes');
  cmd
    .command('add')
    .description("create an athlete and print the new athlete's id")
    .requiredOption('--name <name>', 'display name')
    .option('--email <email>', 'email address for sign-in and weekly reports (one athlete per address)')
    .option('--tz <zone>', 'IANA time zone; days and weeks are counted in it', timeZone, 'UTC')
    .option('--max-hr <bpm>', 'maximum heart rate', intIn('--max-hr', 100, 250))
    .option('--resting-hr <bpm>', 'resting heart rate', intIn('--resting-hr', 25, 120))
    .option('--lthr <bpm>', 'lactate threshold heart rate', intIn('--lthr', 80, 240))
    .option('--sex <f|m>', 'used by the TRIMP formula', sex)
    .option('--threshold-pace <pace>', 'threshold pace, e.g. 4:10/km or 6:45/mi', parsePace)
    .option('--units <km|mi>', 'units for reports', units, 'km')
    .option('--report-day <mon..sun>', 'weekday the weekly report comes, for the week just ended (default mon)', reportDay)
    .option('--report-time <HH:MM>', 'local time of day the weekly report comes (default 07:00)', reportTime)
    .option('--json', 'print the athlete as JSON')
    .action(async (opts: AddOptions) => {
      if (opts.email !== undefined) checkEmail(opts.email);
      const [{ createAthlete }, { applyReportSchedule }] = await Promise.all([
        import('../../db/repositories/athletes.ts'),
        import('../../services/report-schedule.ts'),
      ]);
      await withContext(async ({ db, jobs, now }) => {
        const a = await createAthlete(db, {
          name: opts.name,
          email: opts.email ?? null,
          timezone: opts.tz,
          max_hr: opts.maxHr ?? null,
          resting_hr: opts.restingHr ?? null,
          lthr: opts.lthr ?? null,
          sex: opts.sex ?? null,
          threshold_speed_mps: opts.thresholdPace ?? null,
          units: opts.units,
          ...(opts.reportDay !== undefined && { report_weekday: opts.reportDay }),
          ...(opts.reportTime !== undefined && { report_time: opts.reportTime }),
        });
        // With REDIS_URL: the athlete's weekly report job scheduler.
        await applyReportSchedule({ db, queue: jobs }, a, now());
        process.stdout.write(opts.json === true ? `${JSON.stringify(a)}\n` : `${a.id}\n`);
      });
    });
  cmd
    .command('update')
    .description("change an athlete's settings; HR and zone changes apply to weeks analysed from now on")
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .option('--name <name>', 'display name')
    .option('--email <email>', 'email address for sign-in and weekly reports, set at once (the administrator\'s change: no confirmation mail)')
    .option('--tz <zone>', 'IANA time zone', timeZone)
    .option('--max-hr <bpm>', 'maximum heart rate', intIn('--max-hr', 100, 250))
    .option('--resting-hr <bpm>', 'resting heart rate', intIn('--resting-hr', 25, 120))
    .option('--lthr <bpm>', 'lactate threshold heart rate', intIn('--lthr', 80, 240))
    .option('--sex <f|m>', 'used by the TRIMP formula', sex)
    .option('--threshold-pace <pace>', 'threshold pace, e.g. 4:10/km or 6:45/mi', parsePace)
    .option('--units <km|mi>', 'units for reports', units)
    .option('--report-day <mon..sun>', 'weekday the weekly report comes, for the week just ended', reportDay)
    .option('--report-time <HH:MM>', 'local time of day the weekly report comes', reportTime)
    .option('--threshold <key=value>', 'override a recommender threshold (repeatable; docs/flags.md), e.g. minWeeklyStrengthMinutes=50', collectThreshold, {})
    .option('--reset-thresholds', 'back to the default recommender thresholds')
    .option('--json', 'print the athlete as JSON')
    .action(async (opts: UpdateOptions) => {
      const [{ resolveAthlete }, { changeAthleteSettings }, { parseThresholdOverrides, resolveThresholds }] = await Promise.all([
        import('../../db/repositories/athletes.ts'),
        import('../../services/athletes.ts'),
        import('../../recommend/types.ts'),
      ]);
      await withContext(async ({ db, jobs, now }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        const current = opts.resetThresholds === true ? {} : (athlete.recommend_thresholds ?? {});
        const merged = { ...current, ...opts.threshold };
        // Validate the merged overrides as the analysis will read them (names every bad field).
        resolveThresholds(parseThresholdOverrides(merged));
        const { athlete: updated, weeksQueued } = await changeAthleteSettings(db, jobs, athlete, {
          ...(opts.name !== undefined && { name: opts.name }),
          ...(opts.email !== undefined && { email: checkEmail(opts.email) }),
          ...(opts.tz !== undefined && { timezone: opts.tz }),
          ...(opts.maxHr !== undefined && { max_hr: opts.maxHr }),
          ...(opts.restingHr !== undefined && { resting_hr: opts.restingHr }),
          ...(opts.lthr !== undefined && { lthr: opts.lthr }),
          ...(opts.sex !== undefined && { sex: opts.sex }),
          ...(opts.thresholdPace !== undefined && { threshold_speed_mps: opts.thresholdPace }),
          ...(opts.units !== undefined && { units: opts.units }),
          ...(opts.reportDay !== undefined && { report_weekday: opts.reportDay }),
          ...(opts.reportTime !== undefined && { report_time: opts.reportTime }),
          recommend_thresholds: Object.keys(merged).length === 0 ? null : JSON.stringify(merged),
        }, now());
        process.stdout.write(
          opts.json === true
            ? `${JSON.stringify(updated)}\n`
            : `updated ${updated.name} (${updated.id}); weekly report ${describeReportSchedule(updated)}${weeksQueued > 0 ? `; re-analysing ${weeksQueued} week(s)` : ''}\n`,
        );
      });
    });
  cmd
    .command('unavailable')
    .description('record days the athlete could not train (illness, injury, travel): their planned sessions are excused; or list or remove them')
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .option('--from <date>', 'first day unavailable (YYYY-MM-DD)', isoDateOption)
    .option('--to <date>', 'last day unavailable, included (default: --from)', isoDateOption)
    .option('--reason <reason>', `why: ${UNAVAILABLE_REASONS.join(', ')}`, unavailableReason)
    .option('--note <text>', 'a note')
    .option('--list', 'list the recorded periods')
    .option('--remove <periodId>', 'remove a recorded period')
    .option('--json', 'print JSON')
    .action(async (opts: UnavailableOptions) => {
      const [{ resolveAthlete }, { listUnavailablePeriods }, { addUnavailablePeriod, removeUnavailablePeriod }] = await Promise.all([
        import('../../db/repositories/athletes.ts'),
        import('../../db/repositories/unavailable.ts'),
        import('../../services/athlete-input.ts'),
      ]);
      const print = (p: UnavailablePeriodRow, extra = ''): void => {
        process.stdout.write(opts.json === true ? `${JSON.stringify(p)}\n` : `${p.id}  ${p.from_date} – ${p.to_date}  ${p.reason}${p.note === null ? '' : `  ${p.note}`}${extra}\n`);
      };
      await withContext(async ({ db, jobs, now }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        if (opts.list === true) {
          const all = await listUnavailablePeriods(db, athlete.id);
          for (const p of all) print(p);
          if (all.length === 0 && opts.json !== true) process.stdout.write('no unavailable days recorded\n');
          return;
        }
        if (opts.remove !== undefined) {
          const removed = await removeUnavailablePeriod(db, jobs, athlete, opts.remove, now());
          if (removed === undefined) throw new UsageError(`${athlete.name} has no unavailable period ${opts.remove} (see --list)`);
          print(removed.period, opts.json === true ? '' : `  removed; re-analysing ${removed.weeksQueued} week(s)`);
          return;
        }
        if (opts.from === undefined || opts.reason === undefined) throw new UsageError('give --from and --reason (and --to for more than one day), or --list, or --remove ID');
        const to = opts.to ?? opts.from;
        if (to < opts.from) throw new UsageError(`--to ${to} is before --from ${opts.from}`);
        const { period, weeksQueued } = await addUnavailablePeriod(db, jobs, athlete, { from: opts.from, to, reason: opts.reason, note: opts.note ?? null }, now());
        print(period, opts.json === true ? '' : weeksQueued > 0 ? `  re-analysing ${weeksQueued} week(s)` : '');
      });
    });
  cmd
    .command('signin-link')
    .description('print a one-time link that signs a browser in to the web app as this athlete (no email needed; works once, for 15 minutes)')
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .option('--url <base>', 'address of `kinetic serve` (default KINETIC_PUBLIC_URL, else http://127.0.0.1:PORT)')
    .action(async (opts: { athlete?: string; url?: string }) => {
      const [{ resolveAthlete }, { issueSignInLink, SIGN_IN_LINK_MINUTES }] = await Promise.all([
        import('../../db/repositories/athletes.ts'),
        import('../../services/web-sessions.ts'),
      ]);
      await withContext(async ({ db, config, now }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        if (athlete.email === null) throw new UsageError(`${athlete.name} (${athlete.id}) has no email address, which web sign-in goes by: kinetic athlete update --athlete ${athlete.id.slice(0, 8)} --email ADDRESS`);
        // Addresses are unique (any letter case): the link signs in this athlete.
        const email = athlete.email.toLowerCase();
        const base = opts.url ?? config.publicUrl ?? `http://127.0.0.1:${config.port ?? 3000}`;
        process.stdout.write(`${await issueSignInLink(db, { base, email, timezone: null, now: now() })}\n`);
        const when = config.databaseUrl === undefined ? 'Start `kinetic serve` (the embedded database takes one process at a time), then open it' : 'Open it while `kinetic serve` runs on this database';
        process.stderr.write(`${when}: it signs in as ${athlete.name}, once, within ${SIGN_IN_LINK_MINUTES} minutes.\n`);
      });
    });
  cmd
    .command('list')
    .description('list athletes')
    .option('--json', 'print JSON lines')
    .action(async (opts: { json?: boolean }) => {
      const { listAthletes } = await import('../../db/repositories/athletes.ts');
      await withContext(async ({ db }) => {
        const all = await listAthletes(db);
        for (const a of all) {
          process.stdout.write(
            opts.json === true ? `${JSON.stringify(a)}\n` : `${a.id}  ${a.name}  ${a.timezone}${a.email === null ? '' : `  ${a.email}`}\n`,
          );
        }
        if (all.length === 0 && opts.json !== true) process.stdout.write('no athletes yet: kinetic athlete add --name NAME\n');
      });
    });
  return cmd;
}
