/**
 * The `kinetic` command line: parses arguments, runs one command, turns errors into exit codes.
 *
 * Start-up cost matters here (docs/PERFORMANCE.md, "CLI start"): this file and the command modules
 * load only commander and the option parsers; each command loads what it runs (database, server,
 * queues, charts…) inside its action.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { AthleteNotFoundError, EmailTakenError } from '../db/repositories/athletes.ts';
import { DataDirInUseError } from '../db/data-dir-lock.ts';
import { PlanFormatError } from '../ingest/plan/errors.ts';
import { GeneratePlanError } from '../plan/generate.ts';
import { activitiesCommand } from './commands/activities.ts';
import { activityCommand } from './commands/activity.ts';
import { athleteCommand } from './commands/athlete.ts';
import { importCommand } from './commands/import.ts';
import { migrateCommand } from './commands/migrate.ts';
import { weekCommand } from './commands/week.ts';
import { reportCommand } from './commands/report.ts';
import { demoCommand } from './commands/demo.ts';
import { doctorCommand } from './commands/doctor.ts';
import { planCommand } from './commands/plan.ts';
import { queuesCommand } from './commands/queues.ts';
import { workerCommand } from './commands/worker.ts';
import { serveCommand } from './commands/serve.ts';
import { tokenCommand } from './commands/token.ts';
import { stravaCommand } from './commands/strava.ts';
import { UsageError } from './errors.ts';
import { takeExitCode } from './exit-code.ts';

export function buildProgram(): Command {
  const program = new Command('kinetic')
    .description('Marathon training compliance: FIT and Strava ingest, plan vs actual, strength placement, weekly reports')
    .version(packageVersion(), '-V, --version', 'print the version of Kinetic')
    .showHelpAfterError()
    .exitOverride();
  for (const cmd of [
    athleteCommand(),
    importCommand(),
    activitiesCommand(),
    activityCommand(),
    planCommand(),
    weekCommand(),
    reportCommand(),
    demoCommand(),
    migrateCommand(),
    doctorCommand(),
    workerCommand(),
    queuesCommand(),
    serveCommand(),
    tokenCommand(),
    stravaCommand(),
  ]) program.addCommand(cmd);
  return program;
}

/** The version in Kinetic's package.json: the nearest one above this file (src/cli/ or dist/src/cli/). */
function packageVersion(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    const file = new URL('package.json', dir);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
    if (dir.pathname === '/') return 'unknown';
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * `err instanceof` a class of a heavy module (config and its schema, the migrator, BullMQ…) without
 * loading that module at start: only an error with a class of that name in its prototype chain can be
 * one, and then the module is loaded already (it made the error), so importing it costs nothing.
 */
async function isInstance(err: unknown, className: string, load: () => Promise<ErrorClass>): Promise<boolean> {
  if (!(err instanceof Error)) return false;
  for (let proto: unknown = Object.getPrototypeOf(err); proto !== null && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === className) return err instanceof (await load());
  }
  return false;
}

const isConfigError = (err: unknown): Promise<boolean> => isInstance(err, 'ConfigError', async () => (await import('../config.ts')).ConfigError);
const isThresholdsError = (err: unknown): Promise<boolean> =>
  isInstance(err, 'ThresholdsError', async () => (await import('../recommend/types.ts')).ThresholdsError);
const isMigrationError = (err: unknown): Promise<boolean> => isInstance(err, 'MigrationError', async () => (await import('../db/migrate.ts')).MigrationError);
const isRedisUnavailableError = (err: unknown): Promise<boolean> =>
  isInstance(err, 'RedisUnavailableError', async () => (await import('../jobs/bullmq.ts')).RedisUnavailableError);

/** Errors the user can act on: message only, exit code 2. */
async function isUserError(err: unknown): Promise<boolean> {
  return (
    err instanceof UsageError ||
    err instanceof InvalidArgumentError ||
    err instanceof AthleteNotFoundError ||
    err instanceof EmailTakenError ||
    err instanceof PlanFormatError ||
    err instanceof GeneratePlanError ||
    (await isConfigError(err)) ||
    (await isThresholdsError(err))
  );
}

/** Failures that are not bugs (a migration, Redis, the data folder in use): message without "unexpected error". */
async function isExpectedError(err: unknown): Promise<boolean> {
  return err instanceof DataDirInUseError || (await isMigrationError(err)) || (await isRedisUnavailableError(err));
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.commands.forEach(function inherit(c: Command): void {
    c.exitOverride();
    c.commands.forEach(inherit);
  });
  try {
    await program.parseAsync(argv);
    return takeExitCode();
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its message.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (await isUserError(err)) {
      process.stderr.write(`kinetic: ${(err as Error).message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    const expected = await isExpectedError(err);
    process.stderr.write(`kinetic: ${expected ? '' : 'unexpected error: '}${message}\n`);
    if ((await debugEnabled()) && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

async function debugEnabled(): Promise<boolean> {
  try {
    const { loadConfig } = await import('../config.ts');
    const level = loadConfig().logLevel;
    return level === 'debug' || level === 'trace';
  } catch {
    return false;
  }
}
