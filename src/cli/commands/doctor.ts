import { Command } from 'commander';
import { withContext } from '../context.ts';

const LABEL = { ok: 'ok', info: 'info', warn: 'WARN', fail: 'FAIL' } as const;

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check this deployment: database reachable and migrated, Redis settings, queue backlog and failed jobs, stuck uploads, workers, mail and Strava; says what to fix')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExit code: 0 nothing is wrong (warnings allowed); 1 a check failed. See docs/operations.md.')
    .action(async (opts: { json?: boolean }) => {
      const [{ examineDeployment }, { BullQueues }, { markFailed }] = await Promise.all([
        import('../../services/doctor.ts'),
        import('../../jobs/bullmq.ts'),
        import('../exit-code.ts'),
      ]);
      // Not migrating: whether the database is migrated is one of the questions.
      await withContext(
        async ({ config, db, jobs, now }) => {
          const checks = await examineDeployment({ config, db, queues: jobs instanceof BullQueues ? jobs : undefined, now: now() });
          const fails = checks.filter((c) => c.level === 'fail').length;
          const warns = checks.filter((c) => c.level === 'warn').length;
          if (fails > 0) markFailed();
          if (opts.json === true) {
            process.stdout.write(`${JSON.stringify({ ok: fails === 0, checks }, null, 2)}\n`);
            return;
          }
          const width = Math.max(...checks.map((c) => c.name.length));
          for (const c of checks) {
            process.stdout.write(`${LABEL[c.level].padEnd(5)} ${c.name.padEnd(width)}  ${c.message}\n`);
            if (c.fix !== undefined) process.stdout.write(`${''.padEnd(5)} ${''.padEnd(width)}  fix: ${c.fix}\n`);
          }
          const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
          process.stdout.write(fails + warns === 0 ? 'everything checked is in order\n' : `${plural(fails, 'problem')}, ${plural(warns, 'warning')}\n`);
        },
        { migrate: false },
      );
    });
}
