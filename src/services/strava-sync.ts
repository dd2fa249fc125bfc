/**
 * Backfill, incremental sync, reconcile, one activity's details, and webhook events (docs/strava.md).
 * These functions do the Strava requests and the writes; the caller decides where the follow-up work
 * goes (jobs in src/workers/strava.ts, or the same process in `kinetic strava sync`) through hooks.
 *
 * - Backfill lists the history before a fixed instant (set when it starts), 200 a page, newest
 *   first, storing each page (summaries are enough for strength sessions and for the week's totals)
 *   and keeping its place in the connection after every page: a worker killed mid-backfill resumes
 *   at the page it was on, and storing a page twice writes nothing twice.
 * - Incremental lists what started after the newest known activity minus `INCREMENTAL_OVERLAP_S`.
 * - Reconcile lists the last `RECONCILE_DAYS` and removes what Strava no longer has (missed delete
 *   events), and stores what is missing (missed create events).
 * - Details of a run (laps in the detailed activity, and the streams) are fetched one activity at a
 *   time; Strava may not have processed a new upload's streams yet (`StravaStreamsNotReadyError`,
 *   retried later).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { findAthlete } from '../db/repositories/athletes.ts';
import {
  deleteStravaData,
  findConnection,
  findConnectionByStravaAthlete,
  findLink,
  getEvent,
  insertEvent,
  latestStravaStart,
  listLinksBetween,
  markEventProcessed,
  setBackfillCursor,
  setLastSync,
  type StravaConnection,
} from '../db/repositories/strava.ts';
import type { Database } from '../db/schema.ts';
import { accessTokenFor, connectionRefused, REFRESH_MARGIN_MS, StravaConnectionInactiveError } from './strava-connection.ts';
import { StravaError, StravaNotFoundError, StravaUnauthorizedError } from '../ingest/strava/errors.ts';
import { toSampleStreams, wantsDetails } from '../ingest/strava/map.ts';
import type { Priority } from '../ingest/strava/rate-limit.ts';
import type { DetailedActivity, StreamSet, SummaryActivity, WebhookEvent } from '../ingest/strava/schemas.ts';
import { RUN_STREAM_KEYS, MAX_PER_PAGE } from '../ingest/strava/client.ts';
import type { StravaServices } from '../ingest/strava/services.ts';
import { removeStravaActivity, storeStravaActivity, type AthleteRef, type StoreOutcome } from './strava-store.ts';

export const INCREMENTAL_OVERLAP_S = 3 * 24 * 3600;
export const RECONCILE_DAYS = 30;
/** Empty streams this soon after a run ended mean "not processed yet", not "none recorded". */
export const STREAMS_NOT_READY_WINDOW_MS = 6 * 3600_000;

/** Strava has the activity but not its streams yet: try again later. */
export class StravaStreamsNotReadyError extends StravaError {
  override name = 'StravaStreamsNotReadyError';
}

export type SyncMode = 'backfill' | 'incremental' | 'reconcile';

export interface PageResult {
  /** Summaries on the page. */
  listed: number;
  /** Runs whose laps and streams are still to fetch. */
  pending: { stravaId: string; startTime: Date }[];
  /** Local dates whose weeks changed. */
  localDates: string[];
}

export interface SyncHooks {
  /** After each page is stored (and committed): schedule the details and the analysis. */
  onPage?: (page: PageResult) => Promise<void>;
}

export interface SyncResult {
  mode: SyncMode;
  pages: number;
  listed: number;
  removed: number;
  /** Backfill: done now (false when it had finished before). */
  backfillDone?: boolean;
  /** Backfill: the instant it lists before (what started later is for the incremental sync). */
  anchor?: Date;
}

async function athleteRef(db: Kysely<Database>, athleteId: string): Promise<AthleteRef> {
  const a = await findAthlete(db, athleteId);
  if (a === undefined) throw new StravaConnectionInactiveError(`athlete ${athleteId} no longer exists`);
  return { id: a.id, timezone: a.timezone };
}

function activeConnection(conn: StravaConnection | undefined, athleteId: string): StravaConnection {
  if (conn === undefined) throw new StravaConnectionInactiveError(`athlete ${athleteId} has no Strava connection`);
  if (conn.status !== 'active') throw new StravaConnectionInactiveError(`the Strava connection of athlete ${athleteId} needs re-authorisation${conn.status_reason === null ? '' : `: ${conn.status_reason}`}`);
  return conn;
}

/**
 * Runs `fn` with a fresh token. A 401 with a token that has expired meanwhile (a long wait for the
 * rate budget in this process) is retried once with a refreshed one; any other 401 marks the
 * connection `needs_reauth` and becomes `StravaConnectionInactiveError`.
 */
async function withToken<T>(db: Kysely<Database>, s: StravaServices, athleteId: string, fn: (token: string) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const token = await accessTokenFor(db, s, athleteId);
    try {
      return await fn(token);
    } catch (err) {
      if (!(err instanceof StravaUnauthorizedError)) throw err;
      const conn = await findConnection(db, athleteId);
      const expired = conn?.expires_at !== null && conn?.expires_at !== undefined && conn.expires_at.getTime() - s.clock.now().getTime() <= REFRESH_MARGIN_MS;
      if (attempt === 1 && expired) continue;
      await connectionRefused(db, athleteId, err.message, s.clock.now());
      throw new StravaConnectionInactiveError(`Strava refused the token of athlete ${athleteId} (${err.message}): the connection needs re-authorisation`);
    }
  }
}

async function storePage(db: Kysely<Database>, athlete: AthleteRef, list: SummaryActivity[], now: Date): Promise<PageResult> {
  const result: PageResult = { listed: list.length, pending: [], localDates: [] };
  for (const summary of list) {
    const outcome = await storeStravaActivity(db, athlete, { summary }, { details: 'summary', now });
    result.localDates.push(...outcome.localDates);
    if (outcome.status === 'stored' && outcome.detailsPending) result.pending.push({ stravaId: summary.id, startTime: new Date(summary.start_date) });
  }
  return result;
}

/** The history before the backfill's anchor, page by page, resuming where it stopped. */
export async function runBackfill(db: Kysely<Database>, s: StravaServices, athleteId: string, hooks: SyncHooks = {}): Promise<SyncResult> {
  const conn = activeConnection(await findConnection(db, athleteId), athleteId);
  const result: SyncResult = { mode: 'backfill', pages: 0, listed: 0, removed: 0, backfillDone: false };
  if (conn.backfill_done_at !== null) return result;
  const athlete = await athleteRef(db, athleteId);
  const anchor = conn.backfill_before ?? s.clock.now();
  result.anchor = anchor;
  let page = conn.backfill_next_page ?? 1;
  if (conn.backfill_before === null) await setBackfillCursor(db, athleteId, { before: anchor, nextPage: page, doneAt: null }, s.clock.now());
  for (;;) {
    const list = await withToken(db, s, athleteId, (token) => s.client.listActivities(token, { before: Math.floor(anchor.getTime() / 1000), page, perPage: MAX_PER_PAGE }, 'low'));
    const stored = await storePage(db, athlete, list, s.clock.now());
    result.pages++;
    result.listed += list.length;
    await hooks.onPage?.(stored);
    const done = list.length < MAX_PER_PAGE;
    await setBackfillCursor(db, athleteId, { before: anchor, nextPage: done ? null : page + 1, doneAt: done ? s.clock.now() : null }, s.clock.now());
    if (done) break;
    page++;
  }
  await setLastSync(db, athleteId, s.clock.now());
  result.backfillDone = true;
  return result;
}

/** Activities that started after `since` (default: the newest known minus the overlap), oldest first. */
export async function runIncremental(db: Kysely<Database>, s: StravaServices, athleteId: string, hooks: SyncHooks = {}, since?: Date): Promise<SyncResult> {
  activeConnection(await findConnection(db, athleteId), athleteId);
  const athlete = await athleteRef(db, athleteId);
  const latest = since ?? (await latestStravaStart(db, athleteId));
  const after = latest === null ? 0 : Math.floor(latest.getTime() / 1000) - (since === undefined ? INCREMENTAL_OVERLAP_S : 0);
  const result: SyncResult = { mode: 'incremental', pages: 0, listed: 0, removed: 0 };
  for (let page = 1; ; page++) {
    const list = await withToken(db, s, athleteId, (token) => s.client.listActivities(token, { after, page, perPage: MAX_PER_PAGE }, 'high'));
    const stored = await storePage(db, athlete, list, s.clock.now());
    result.pages++;
    result.listed += list.length;
    await hooks.onPage?.(stored);
    if (list.length < MAX_PER_PAGE) break;
  }
  await setLastSync(db, athleteId, s.clock.now());
  return result;
}

/** The last `days`: store what is missing, remove what Strava no longer has. */
export async function runReconcile(db: Kysely<Database>, s: StravaServices, athleteId: string, hooks: SyncHooks = {}, days = RECONCILE_DAYS): Promise<SyncResult> {
  activeConnection(await findConnection(db, athleteId), athleteId);
  const athlete = await athleteRef(db, athleteId);
  const to = s.clock.now();
  const from = new Date(to.getTime() - days * 86_400_000);
  const seen = new Set<string>();
  const result: SyncResult = { mode: 'reconcile', pages: 0, listed: 0, removed: 0 };
  for (let page = 1; ; page++) {
    const list = await withToken(db, s, athleteId, (token) =>
      s.client.listActivities(token, { after: Math.floor(from.getTime() / 1000), before: Math.ceil(to.getTime() / 1000) + 1, page, perPage: MAX_PER_PAGE }, 'low'),
    );
    for (const a of list) seen.add(a.id);
    const stored = await storePage(db, athlete, list, s.clock.now());
    result.pages++;
    result.listed += list.length;
    await hooks.onPage?.(stored);
    if (list.length < MAX_PER_PAGE) break;
  }
  const gone: string[] = [];
  for (const link of await listLinksBetween(db, athleteId, new Date(from.getTime() + 1000), to)) {
    if (seen.has(link.strava_id)) continue;
    gone.push(...(await removeStravaActivity(db, athleteId, link.strava_id, { tombstone: false, now: s.clock.now() })));
    result.removed++;
  }
  if (gone.length > 0) await hooks.onPage?.({ listed: 0, pending: [], localDates: gone });
  await setLastSync(db, athleteId, s.clock.now());
  return result;
}

export type ActivitySyncOutcome = StoreOutcome | { status: 'gone'; localDates: string[] } | { status: 'skipped'; reason: string; localDates: string[] };

/**
 * Fetches one activity (detailed: name, type, laps, calories, device) and, for a recorded run, its
 * streams, and stores them. `onlyIfPending`: a backfill detail job, which has nothing to do when a
 * webhook event got there first. A 404 means deleted (or no longer visible): it is removed for good.
 */
export async function syncActivity(
  db: Kysely<Database>,
  s: StravaServices,
  athleteId: string,
  stravaId: string,
  opts: { priority: Priority; onlyIfPending: boolean },
): Promise<ActivitySyncOutcome> {
  activeConnection(await findConnection(db, athleteId), athleteId);
  const link = await findLink(db, athleteId, stravaId);
  if (link?.deleted_at !== null && link?.deleted_at !== undefined) return { status: 'skipped', reason: 'deleted on Strava', localDates: [] };
  if (opts.onlyIfPending && link?.details_pending !== true) return { status: 'skipped', reason: 'nothing pending', localDates: [] };
  const athlete = await athleteRef(db, athleteId);
  let detail: DetailedActivity;
  let streams: StreamSet | null = null;
  // A pending activity is a run: its detail and streams take their two slots together.
  const prepaid = link?.details_pending === true;
  try {
    // The slots first, then the token: a wait for the budget never leaves a token to expire in hand.
    if (prepaid) await s.client.reserve(2, opts.priority);
    detail = await withToken(db, s, athleteId, (token) => s.client.getActivity(token, stravaId, opts.priority, { prepaid }));
    if (wantsDetails(detail)) {
      streams = await withToken(db, s, athleteId, (token) => s.client.getStreams(token, stravaId, RUN_STREAM_KEYS, opts.priority, { prepaid })).catch((err: unknown) => {
        if (err instanceof StravaNotFoundError) return null;
        throw err;
      });
    }
  } catch (err) {
    if (!(err instanceof StravaNotFoundError)) throw err;
    return { status: 'gone', localDates: await removeStravaActivity(db, athleteId, stravaId, { tombstone: true, now: s.clock.now() }) };
  }
  const now = s.clock.now();
  if (wantsDetails(detail) && toSampleStreams(streams, stravaId) === null) {
    const ended = new Date(detail.start_date).getTime() + detail.elapsed_time * 1000;
    if (now.getTime() - ended < STREAMS_NOT_READY_WINDOW_MS) {
      await storeStravaActivity(db, athlete, { summary: detail }, { details: 'awaiting-streams', now });
      throw new StravaStreamsNotReadyError(`Strava has not processed the streams of activity ${stravaId} yet`);
    }
  }
  return storeStravaActivity(db, athlete, { summary: detail, streams }, { details: 'complete', now });
}

// ————— webhook events —————

/** The same event delivered again has the same key (Strava retries up to twice). */
export function eventDedupeKey(e: WebhookEvent): string {
  const updates = Object.fromEntries(Object.entries(e.updates).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256')
    .update(JSON.stringify([e.subscription_id, e.owner_id, e.object_type, e.object_id, e.aspect_type, e.event_time, updates]))
    .digest('hex');
}

export async function storeEvent(db: Kysely<Database>, e: WebhookEvent, receivedAt: Date): Promise<{ id: string; created: boolean }> {
  return insertEvent(db, {
    dedupeKey: eventDedupeKey(e),
    subscriptionId: e.subscription_id,
    ownerId: e.owner_id,
    objectType: e.object_type,
    objectId: e.object_id,
    aspectType: e.aspect_type,
    updates: e.updates,
    eventTime: new Date(e.event_time * 1000),
    receivedAt,
  });
}

export interface EventOutcome {
  outcome: string;
  athleteId: string | null;
  localDates: string[];
}

/**
 * Applies a stored event. Idempotent and order-independent: activity events fetch the activity's
 * current state (a create after its delete finds a tombstone or a 404); a deauthorization deletes
 * everything obtained from Strava for the athlete.
 */
export async function applyEvent(db: Kysely<Database>, s: StravaServices, eventId: string): Promise<EventOutcome> {
  const event = await getEvent(db, eventId);
  if (event === undefined) return { outcome: 'event gone (deleted with its athlete’s Strava data)', athleteId: null, localDates: [] };
  if (event.processed_at !== null) return { outcome: `already applied: ${event.outcome ?? ''}`, athleteId: null, localDates: [] };
  const conn = await findConnectionByStravaAthlete(db, event.owner_id);
  let result: EventOutcome;
  if (conn === undefined) {
    result = { outcome: 'ignored: no Kinetic athlete has this Strava account', athleteId: null, localDates: [] };
  } else if (event.object_type === 'athlete') {
    if (event.updates.authorized === 'false') {
      const dates = await db.transaction().execute((trx) => deleteStravaData(trx, conn.athlete_id, conn.strava_athlete_id));
      result = { outcome: `deauthorized: tokens dropped, ${dates.length} Strava activities deleted`, athleteId: conn.athlete_id, localDates: dates };
    } else {
      result = { outcome: 'ignored: athlete update', athleteId: conn.athlete_id, localDates: [] };
    }
  } else if (event.aspect_type === 'delete') {
    const dates = await removeStravaActivity(db, conn.athlete_id, event.object_id, { tombstone: true, now: s.clock.now() });
    result = { outcome: 'deleted', athleteId: conn.athlete_id, localDates: dates };
  } else {
    try {
      const r = await syncActivity(db, s, conn.athlete_id, event.object_id, { priority: 'high', onlyIfPending: false });
      result = { outcome: r.status === 'skipped' ? `skipped: ${r.reason}` : r.status, athleteId: conn.athlete_id, localDates: r.localDates };
    } catch (err) {
      // The sync after the athlete connects again catches up (incremental from the newest known activity).
      if (!(err instanceof StravaConnectionInactiveError)) throw err;
      result = { outcome: `skipped: ${err.message}`, athleteId: conn.athlete_id, localDates: [] };
    }
  }
  await markEventProcessed(db, eventId, result.outcome, s.clock.now());
  return result;
}
