import { Command } from 'commander';
import { withContext } from '../context.ts';
import { UsageError } from '../errors.ts';

/** `kinetic token`: an athlete's API tokens for the HTTP API (docs/api.md), without the admin token. */
export function tokenCommand(): Command {
  const cmd = new Command('token').description("an athlete's API tokens for the HTTP API: create, list, revoke");
  cmd
    .command('create')
    .description('issue a new API token and print it (shown only this once; only its hash is stored)')
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .action(async (opts: { athlete?: string }) => {
      const [{ issueApiToken }, { resolveAthlete }] = await Promise.all([import('../../services/api-tokens.ts'), import('../../db/repositories/athletes.ts')]);
      await withContext(async ({ db }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        const { token } = await issueApiToken(db, athlete.id);
        process.stdout.write(`${token}\n`);
      });
    });
  cmd
    .command('list')
    .description("list the athlete's tokens (ids and dates, never the tokens)")
    .option('--athlete <id>', 'athlete id')
    .option('--json', 'print JSON lines')
    .action(async (opts: { athlete?: string; json?: boolean }) => {
      const [{ listApiTokens }, { resolveAthlete }] = await Promise.all([import('../../db/repositories/api-tokens.ts'), import('../../db/repositories/athletes.ts')]);
      await withContext(async ({ db }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        for (const t of await listApiTokens(db, athlete.id)) {
          process.stdout.write(
            opts.json === true
              ? `${JSON.stringify(t)}\n`
              : `${t.id}  created ${t.createdAt.toISOString()}  ${t.lastUsedAt === null ? 'never used' : `last used ${t.lastUsedAt.toISOString()}`}\n`,
          );
        }
      });
    });
  cmd
    .command('revoke')
    .description('revoke a token by its id (see kinetic token list)')
    .argument('<tokenId>', 'token id')
    .option('--athlete <id>', 'athlete id')
    .action(async (tokenId: string, opts: { athlete?: string }) => {
      const [{ deleteApiToken }, { resolveAthlete }] = await Promise.all([import('../../db/repositories/api-tokens.ts'), import('../../db/repositories/athletes.ts')]);
      await withContext(async ({ db }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tokenId);
        if (!uuid || !(await deleteApiToken(db, athlete.id, tokenId))) throw new UsageError(`${athlete.name} has no token ${tokenId}`);
        process.stdout.write(`revoked ${tokenId}\n`);
      });
    });
  return cmd;
}
