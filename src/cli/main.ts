/** The `kinetic` command line: parses arguments, runs one command, turns errors into exit codes. */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config.ts';
import { AthleteNotFoundError } from '../db/repositories/athletes.ts';
import { MigrationError } from '../db/migrate.ts';
import { RedisUnavailableError } from '../workers/bullmq.ts';
import { activitiesCommand } from './commands/activities.ts';
import { athleteCommand } from './commands/athlete.ts';
import { importCommand } from './commands/import.ts';
import { migrateCommand } from './commands/migrate.ts';
import { weekCommand } from './commands/week.ts';
import { reportCommand } from './commands/report.ts';
import { demoCommand } from './commands/demo.ts';
import { planCommand } from './commands/plan.ts';
import { queuesCommand } from './commands/queues.ts';
import { workerCommand } from './commands/worker.ts';
import { serveCommand } from './commands/serve.ts';
import { tokenCommand } from './commands/token.ts';
import { stravaCommand } from './commands/strava.ts';
import { PlanFormatError } from '../ingest/plan/errors.ts';
import { GeneratePlanError } from '../plan/generate.ts';
import { ThresholdsError } from '../recommend/types.ts';
import { DataDirInUseError } from '../db/data-dir-lock.ts';
import { UsageError } from './errors.ts';
import { takeExitCode } from './exit-code.ts';

export function buildProgram(): Command {
  const program = new Command('kinetic')
    .description('Marathon training compliance: FIT and Strava ingest, plan vs actual, strength placement, weekly reports')
    .showHelpAfterError()
    .exitOverride();
  for (const cmd of [
    athleteCommand(),
    importCommand(),
    activitiesCommand(),
    planCommand(),
    weekCommand(),
    reportCommand(),
    demoCommand(),
    migrateCommand(),
    workerCommand(),
    queuesCommand(),
    serveCommand(),
    tokenCommand(),
    stravaCommand(),
  ]) program.addCommand(cmd);
  return program;
}

/** Errors the user can act on: message only, exit code 2. */
function isUserError(err: unknown): err is Error {
  return (
    err instanceof UsageError ||
    err instanceof InvalidArgumentError ||
    err instanceof AthleteNotFoundError ||
    err instanceof ConfigError ||
    err instanceof PlanFormatError ||
    err instanceof GeneratePlanError ||
    err instanceof ThresholdsError
  );
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
    if (isUserError(err)) {
      process.stderr.write(`kinetic: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    const expected = err instanceof MigrationError || err instanceof RedisUnavailableError || err instanceof DataDirInUseError;
    process.stderr.write(`kinetic: ${expected ? '' : 'unexpected error: '}${message}\n`);
    if (debugEnabled() && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

function debugEnabled(): boolean {
  try {
    const level = loadConfig().logLevel;
    return level === 'debug' || level === 'trace';
  } catch {
    return false;
  }
}
