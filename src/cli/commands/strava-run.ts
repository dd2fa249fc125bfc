/**
 * What `kinetic strava` runs (strava.ts defines its commands and options): loaded only when one of
 * them runs, with the Strava client, Redis and the sync.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { Redis } from 'ioredis';
import { findAthlete, listAthletes, resolveAthlete } from '../../db/repositories/athletes.ts';
import { findConnection, listConnections, listPendingDetails, saveSubscription, deleteSubscription } from '../../db/repositories/strava.ts';
import { systemClock, type Clock } from '../../ingest/strava/clock.ts';
import { activityAccess, connectWithCode, REQUESTED_SCOPES, StravaAccountInUseError, StravaConnectionInactiveError } from '../../services/strava-connection.ts';
import { StravaError, StravaOAuthError } from '../../ingest/strava/errors.ts';
import { MemoryRateBudget, RedisRateBudget, type RateBudget } from '../../ingest/strava/rate-limit.ts';
import { assertStravaConfigured, createStravaServices, StravaNotConfiguredError, type StravaServices } from '../../ingest/strava/services.ts';
import { runBackfill, runIncremental, StravaStreamsNotReadyError, syncActivity, type PageResult } from '../../services/strava-sync.ts';
import { BullQueues } from '../../jobs/bullmq.ts';
import { budgetPriority, detailPriority, queueAnalysis } from '../../services/strava-queue.ts';
import { withContext, type CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { markFailed } from '../exit-code.ts';
import { CLI_REDIRECT } from './strava-redirect.ts';

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StravaNotConfiguredError) throw new UsageError(err.message);
    throw err;
  }
}

/** Strava services for this command: the shared Redis budget when REDIS_URL is set, else this process's. */
async function withServices<T>(ctx: CliContext, clock: Clock, fn: (s: StravaServices, counts: { requests: number }) => Promise<T>): Promise<T> {
  usage(() => assertStravaConfigured(ctx.config));
  const counts = { requests: 0 };
  let redis: Redis | undefined;
  let budget: RateBudget;
  if (ctx.config.redisUrl !== undefined) {
    const r = new Redis(ctx.config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    // A lost connection fails the command's calls (reported as its error), never the process.
    r.on('error', () => undefined);
    redis = r;
    budget = new RedisRateBudget((script, keys, args) => r.eval(script, keys.length, ...keys, ...args), ctx.config.queuePrefix, ctx.config.strava.clientId!);
  } else {
    budget = new MemoryRateBudget();
  }
  try {
    const s = createStravaServices(ctx.config, { budget, clock, onResponse: () => counts.requests++ });
    return await fn(s, counts);
  } finally {
    redis?.disconnect();
  }
}

/** `--code` takes the code, or the whole address Strava redirected to (then its `scope` is read too). */
export function parseCodeArgument(value: string): { code: string; scopes: string | undefined } {
  if (/^https?:\/\//.test(value)) {
    const url = new URL(value);
    const error = url.searchParams.get('error');
    if (error !== null) throw new UsageError(`Strava redirected with error=${error}: nothing to connect`);
    const code = url.searchParams.get('code');
    if (code === null) throw new UsageError('that address has no code= parameter');
    return { code, scopes: url.searchParams.get('scope') ?? undefined };
  }
  if (!/^[\w-]{8,200}$/.test(value)) throw new UsageError('--code: expected the code (letters and digits) or the address Strava redirected to');
  return { code: value, scopes: undefined };
}

interface Progress {
  listed(page: PageResult): void;
  startDetails(total: number): void;
  detail(): void;
  waiting(until: Date): void;
  done(): void;
}

/** Counts on stderr: a bar on an interactive terminal, else a line per page and per 50 activities. */
function progress(): Progress {
  const tty = process.stderr.isTTY === true;
  let listed = 0;
  let details = 0;
  let total = 0;
  let multi: MultiBar | undefined;
  let bar: SingleBar | undefined;
  return {
    listed: (page) => {
      listed += page.listed;
      process.stderr.write(`listed ${listed} activities\n`);
    },
    startDetails: (n) => {
      total = n;
      if (tty && n > 1) {
        multi = new MultiBar({ format: 'laps and streams [{bar}] {value}/{total} runs {status}', hideCursor: true, clearOnComplete: true, stream: process.stderr }, Presets.shades_classic);
        bar = multi.create(n, 0, { status: '' });
      } else if (n > 0) process.stderr.write(`fetching laps and streams of ${n} runs\n`);
    },
    detail: () => {
      details++;
      if (bar !== undefined) bar.increment({ status: '' });
      else if (details % 50 === 0 || details === total) process.stderr.write(`${details}/${total} runs\n`);
    },
    waiting: (until) => {
      const text = `waiting for Strava's rate limit until ${until.toISOString().slice(11, 16)} UTC`;
      if (bar !== undefined) bar.update({ status: text });
      else process.stderr.write(`${text}\n`);
    },
    done: () => multi?.stop(),
  };
}

/** The clock, telling the progress when the budget makes us wait. */
function reportingClock(p: Progress): Clock {
  return {
    now: () => systemClock.now(),
    sleepUntil: (t) => {
      if (t.getTime() - Date.now() > 1000) p.waiting(t);
      return systemClock.sleepUntil(t);
    },
  };
}

export interface CliSyncSummary {
  listed: number;
  pages: number;
  details: number;
  failed: number;
  later: number;
  requests: number;
}

/** The sync `kinetic strava sync` and `connect` run in this process: list, then each run's details, newest first. */
async function syncHere(ctx: CliContext, athleteId: string, since: Date | undefined): Promise<CliSyncSummary> {
  const p = progress();
  try {
    return await withServices(ctx, reportingClock(p), async (s, counts) => {
      const dates: string[] = [];
      const hooks = {
        onPage: (page: PageResult): Promise<void> => {
          dates.push(...page.localDates);
          p.listed(page);
          return Promise.resolve();
        },
      };
      const conn = await findConnection(ctx.db, athleteId);
      if (conn === undefined) throw new UsageError('this athlete has no Strava connection: run `kinetic strava connect` first');
      if (conn.status !== 'active') throw new UsageError(`the Strava connection needs re-authorisation (${conn.status_reason ?? 'tokens refused'}): run \`kinetic strava connect\` again`);
      const summary: CliSyncSummary = { listed: 0, pages: 0, details: 0, failed: 0, later: 0, requests: 0 };
      const results = [];
      let after = since;
      if (since === undefined && conn.backfill_done_at === null) {
        const backfill = await runBackfill(ctx.db, s, athleteId, hooks);
        results.push(backfill);
        // What started after the backfill's anchor; the overlap is not needed right after it.
        after = backfill.anchor;
      }
      results.push(await runIncremental(ctx.db, s, athleteId, hooks, after));
      for (const r of results) {
        summary.listed += r.listed;
        summary.pages += r.pages;
      }
      const pending = await listPendingDetails(ctx.db, athleteId);
      p.startDetails(pending.length);
      for (const item of pending) {
        try {
          const r = await syncActivity(ctx.db, s, athleteId, item.stravaId, { priority: budgetPriority(detailPriority(item.startTime, s.clock.now())), onlyIfPending: true });
          dates.push(...r.localDates);
          summary.details++;
        } catch (err) {
          if (err instanceof StravaStreamsNotReadyError) summary.later++;
          else if (err instanceof StravaError) {
            summary.failed++;
            process.stderr.write(`kinetic: activity ${item.stravaId}: ${err.message}\n`);
          } else throw err;
        }
        p.detail();
      }
      await queueAnalysis(ctx.jobs, athleteId, dates);
      summary.requests = counts.requests;
      return summary;
    });
  } catch (err) {
    if (err instanceof StravaConnectionInactiveError) throw new UsageError(`${err.message}: run \`kinetic strava connect\` again`);
    throw err;
  } finally {
    p.done();
  }
}

function printSummary(s: CliSyncSummary): void {
  process.stdout.write(
    `synced: ${s.listed} activities listed (${s.pages} ${s.pages === 1 ? 'page' : 'pages'}), laps and streams of ${s.details} runs` +
      `${s.later > 0 ? `, ${s.later} not processed by Strava yet (the next sync gets them)` : ''}${s.failed > 0 ? `, ${s.failed} failed` : ''}; ${s.requests} requests to Strava\n`,
  );
  if (s.failed > 0) markFailed();
}

export async function connectAction(opts: { athlete?: string; code?: string; redirectUri?: string }): Promise<void> {
  await withContext(async (ctx) => {
    usage(() => assertStravaConfigured(ctx.config));
    if (opts.code === undefined) {
      const url = new URL(`${ctx.config.strava.oauthUrl.replace(/\/+$/, '')}/authorize`);
      url.searchParams.set('client_id', ctx.config.strava.clientId!);
      url.searchParams.set('redirect_uri', opts.redirectUri ?? CLI_REDIRECT);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('approval_prompt', 'force');
      url.searchParams.set('scope', REQUESTED_SCOPES);
      process.stdout.write(
        `1. Open this address, sign in to Strava and authorize Kinetic (leave "View data about your activities" ticked):\n\n   ${url.toString()}\n\n` +
          `2. Strava then sends you to ${opts.redirectUri ?? CLI_REDIRECT}?…&code=…: the page will not load; copy its address from the address bar.\n` +
          `3. Run: kinetic strava connect --code '<that address>'${opts.athlete === undefined ? '' : ` --athlete ${opts.athlete}`}\n`,
      );
      return;
    }
    const { code, scopes } = parseCodeArgument(opts.code);
    if (scopes !== undefined && activityAccess(scopes) === 'none') {
      throw new UsageError(`Strava granted "${scopes}" without access to your activities: authorize again and leave "View data about your activities" ticked`);
    }
    let athleteId: string | undefined;
    let fallbackAthleteId: string | undefined;
    if (opts.athlete !== undefined) athleteId = (await resolveAthlete(ctx.db, opts.athlete)).id;
    else {
      const all = await listAthletes(ctx.db);
      if (all.length === 1) fallbackAthleteId = all[0]!.id;
    }
    const result = await withServices(ctx, systemClock, async (s) => {
      try {
        return await connectWithCode(ctx.db, s, { code, scopes: scopes ?? REQUESTED_SCOPES, athleteId, fallbackAthleteId, now: ctx.now() });
      } catch (err) {
        if (err instanceof StravaOAuthError) throw new UsageError(`Strava did not accept the code (${err.message}); codes work once and expire: run \`kinetic strava connect\` for a new one`);
        if (err instanceof StravaAccountInUseError) throw new UsageError(err.message);
        throw err;
      }
    });
    process.stdout.write(`connected Strava account ${result.stravaName} to athlete ${result.athlete.name} (${result.athlete.id})${result.created ? ', a new athlete' : ''}\n`);
    if (scopes === undefined) process.stdout.write('note: the scopes granted are unknown with a bare code; if the sync is refused, connect again with the whole address\n');
    if (ctx.jobs instanceof BullQueues) {
      await ctx.jobs.enqueue('strava-sync', { athleteId: result.athlete.id, mode: result.connection.backfill_done_at === null ? 'backfill' : 'incremental' });
      process.stdout.write('queued the import of the Strava history (kinetic worker runs it)\n');
    } else {
      printSummary(await syncHere(ctx, result.athlete.id, undefined));
    }
  });
}

export async function syncAction(opts: { athlete?: string; since?: string }): Promise<void> {
  await withContext(async (ctx) => {
    const athlete = await resolveAthlete(ctx.db, opts.athlete);
    printSummary(await syncHere(ctx, athlete.id, opts.since === undefined ? undefined : new Date(`${opts.since}T00:00:00Z`)));
  });
}

export async function subscribeAction(opts: { callbackUrl?: string; delete?: boolean }): Promise<void> {
  await withContext(async (ctx) => {
    await withServices(ctx, systemClock, async (s) => {
      const existing = await s.client.listSubscriptions();
      if (opts.delete === true) {
        for (const sub of existing) {
          await s.client.deleteSubscription(sub.id);
          await deleteSubscription(ctx.db, sub.id);
          process.stdout.write(`deleted subscription ${sub.id} (${sub.callback_url})\n`);
        }
        if (existing.length === 0) process.stdout.write('no subscription to delete\n');
        return;
      }
      const verifyToken = ctx.config.strava.verifyToken;
      if (verifyToken === undefined) throw new UsageError('set STRAVA_VERIFY_TOKEN (any secret string; kinetic serve must have the same) before subscribing');
      const callback = opts.callbackUrl ?? (ctx.config.publicUrl === undefined ? undefined : `${ctx.config.publicUrl.replace(/\/+$/, '')}/webhooks/strava`);
      if (callback === undefined) throw new UsageError('give --callback-url or set KINETIC_PUBLIC_URL (the address kinetic serve is reached at)');
      const same = existing.find((sub) => sub.callback_url === callback);
      if (same !== undefined) {
        await saveSubscription(ctx.db, same.id, callback);
        process.stdout.write(`already subscribed: subscription ${same.id} → ${callback}\n`);
        return;
      }
      if (existing.length > 0) throw new UsageError(`Strava allows one subscription per application and ${existing[0]!.id} sends to ${existing[0]!.callback_url}: delete it first with --delete`);
      const sub = await s.client.createSubscription(callback, verifyToken).catch((err: unknown) => {
        if (err instanceof StravaError) throw new UsageError(`Strava refused the subscription (${err.message}); is kinetic serve answering at ${callback} with the same STRAVA_VERIFY_TOKEN?`);
        throw err;
      });
      await saveSubscription(ctx.db, sub.id, callback);
      process.stdout.write(`subscribed: subscription ${sub.id} → ${callback}\n`);
    });
  });
}

export async function statusAction(opts: { json?: boolean }): Promise<void> {
  await withContext(async (ctx) => {
    const connections = await listConnections(ctx.db);
    if (connections.length === 0) process.stdout.write('no Strava connection\n');
    for (const c of connections) {
      const athlete = await findAthlete(ctx.db, c.athlete_id);
      const backfill = c.backfill_done_at !== null ? 'done' : c.backfill_before !== null ? `running (next page ${c.backfill_next_page ?? '?'})` : 'not started';
      const row = { athleteId: c.athlete_id, athlete: athlete?.name ?? '?', stravaAthleteId: c.strava_athlete_id, status: c.status, statusReason: c.status_reason, scopes: c.scopes, backfill, lastSyncAt: c.last_sync_at };
      process.stdout.write(
        opts.json === true
          ? `${JSON.stringify(row)}\n`
          : `${row.athlete} (${row.athleteId})  Strava ${row.stravaAthleteId}  ${row.status}${row.statusReason === null ? '' : ` (${row.statusReason})`}  backfill ${backfill}  last sync ${c.last_sync_at?.toISOString() ?? 'never'}\n`,
      );
    }
  });
}
