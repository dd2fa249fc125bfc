/**
 * `kinetic strava`: connect an account without a web browser flow, sync from the command line with a
 * progress bar, create the webhook subscription, show the connections (docs/strava.md).
 */
import { Command } from 'commander';
import { isoDateOption } from '../options.ts';
import { CLI_REDIRECT } from './strava-redirect.ts';

export function stravaCommand(): Command {
  const cmd = new Command('strava').description('Strava: connect an account, sync activities, webhook subscription (docs/strava.md)');

  cmd
    .command('connect')
    .description('connect a Strava account: without --code prints the address to authorize at; then --code CODE (or the whole address Strava sent you to)')
    .option('--athlete <id>', 'the athlete to connect (default: the one already linked to that Strava account, else the only athlete, else a new one)')
    .option('--code <code>', 'the code from the address Strava redirected to (…/exchange_token?state=&code=…&scope=…), or that whole address')
    .option('--redirect-uri <uri>', `where Strava sends you after authorizing (default ${CLI_REDIRECT}; the page will not load, copy its address)`)
    .action(async (opts: { athlete?: string; code?: string; redirectUri?: string }) => {
      await (await import('./strava-run.ts')).connectAction(opts);
    });

  cmd
    .command('sync')
    .description('import from Strava now, in this process: the rest of the history first if the backfill has not finished, then everything since the newest known activity')
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .option('--since <date>', 'only activities that started after this date (YYYY-MM-DD, UTC)', isoDateOption)
    .action(async (opts: { athlete?: string; since?: string }) => {
      await (await import('./strava-run.ts')).syncAction(opts);
    });

  cmd
    .command('subscribe')
    .description("create Strava's webhook subscription for this application (kinetic serve must answer at the callback address)")
    .option('--callback-url <url>', 'the address of POST /webhooks/strava (default: KINETIC_PUBLIC_URL/webhooks/strava)')
    .option('--delete', 'delete the subscription instead')
    .action(async (opts: { callbackUrl?: string; delete?: boolean }) => {
      await (await import('./strava-run.ts')).subscribeAction(opts);
    });

  cmd
    .command('status')
    .description('the Strava connections: status (needs re-authorisation?), backfill, last sync')
    .option('--json', 'print JSON lines')
    .action(async (opts: { json?: boolean }) => {
      await (await import('./strava-run.ts')).statusAction(opts);
    });

  return cmd;
}
