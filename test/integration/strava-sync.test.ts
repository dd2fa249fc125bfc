/**
 * Incremental sync and the reconcile that catches missed webhooks (created and deleted activities),
 * the reconcile's fan-out to every active connection, its daily job scheduler, and the queue pause
 * of a spent budget (BullMQ rate limit, no attempt used).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConnection, findLink } from '../../src/db/repositories/strava.ts';
import { connectWithCode } from '../../src/services/strava-connection.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { registerWorker } from '../../src/jobs/bullmq.ts';
import { STRAVA_RECONCILE_PATTERN, STRAVA_RECONCILE_SCHEDULER, startStravaSchedule } from '../../src/workers/strava.ts';
import { HANDLERS } from '../../src/workers/handlers.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { FakeClock, FakeStrava } from '../support/fake-strava.ts';
import { captureLogger, createTestQueues, waitFor } from '../support/queues.ts';
import type { StravaServices } from '../../src/ingest/strava/services.ts';
import { stravaConfig, testStravaServices } from '../support/strava.ts';
import { NO_FIT_FILES } from '../support/decoding.ts';

const NOW = new Date('2026-11-25T12:00:00Z');

interface StravaWorld {
  t: TestDb;
  fake: FakeStrava;
}

/** A Postgres database and a fake Strava on `clock` for the describe block that calls it. */
function stravaWorld(clock: FakeClock): StravaWorld {
  const w = {} as StravaWorld;
  beforeAll(async () => {
    w.t = await createTestDb('postgres');
    w.fake = await new FakeStrava({ clock }).start();
  });
  afterAll(async () => {
    await w.fake?.stop();
    await w.t?.drop();
  });
  return w;
}

/** Strava services on the fake, and in-process jobs on the fake's clock. */
function inlineStrava(w: StravaWorld): { strava: StravaServices; jobs: InlineRunner } {
  const { log } = captureLogger();
  const strava = testStravaServices(w.fake);
  return { strava, jobs: new InlineRunner({ db: w.t.db, log, now: () => w.fake.clock.now(), strava }, { backoffScale: 0.001 }) };
}

/** Connects the fake's athlete (all activity scopes) as a new Kinetic athlete; its id. */
async function connectAthlete(w: StravaWorld, strava: StravaServices, stravaAthleteId: string): Promise<string> {
  const result = await connectWithCode(w.t.db, strava, { code: w.fake.issueCode(stravaAthleteId), scopes: 'read,activity:read_all', now: w.fake.clock.now() });
  return result.athlete.id;
}

describe('Strava incremental sync and reconcile', () => {
  const w = stravaWorld(new FakeClock(NOW, 'auto'));

  it('incremental picks up new activities; reconcile stores missed ones and removes deleted ones', async () => {
    const { t, fake } = w;
    const { strava, jobs } = inlineStrava(w);
    const who = fake.addAthlete();
    const other = fake.addAthlete();
    const old = fake.addActivity(who.id, { sportType: 'Run', start: new Date(NOW.getTime() - 60 * 86_400_000) });
    const ids = [...fake.addHistory(who.id, { count: 20, end: new Date(NOW.getTime() - 86_400_000), seed: 3 }), old];
    fake.addHistory(other.id, { count: 3, end: new Date(NOW.getTime() - 86_400_000), seed: 4 });
    const athleteId = await connectAthlete(w, strava, who.id);
    const otherId = await connectAthlete(w, strava, other.id);
    await jobs.enqueue('strava-sync', { athleteId, mode: 'backfill' });
    await jobs.enqueue('strava-sync', { athleteId: otherId, mode: 'backfill' });
    await jobs.drain();
    expect(jobs.failed).toEqual([]);
    const sourceIds = async (id: string): Promise<string[]> => (await t.db.selectFrom('activities').select('source_id').where('athlete_id', '=', id).execute()).map((r) => r.source_id).sort();
    expect(await sourceIds(athleteId)).toEqual([...ids].sort());

    // A new run (its webhook missed): the incremental sync lists from the newest known minus 3 days, oldest first.
    const fresh = fake.addActivity(who.id, { sportType: 'Run', start: new Date(NOW.getTime() - 3600_000) });
    fake.resetCounts();
    await jobs.enqueue('strava-sync', { athleteId, mode: 'incremental' });
    await jobs.drain();
    expect(await sourceIds(athleteId)).toContain(fresh);
    expect(fake.count('list')).toBe(1);
    expect(fake.requests[0]!.rawQuery).toMatch(/after=\d+/);
    expect(fake.requests[0]!.rawQuery).not.toMatch(/before=/);

    // Missed events: one deleted, one created, one renamed, all within the last 30 days.
    const recent = ids.slice(0, 3);
    fake.deleteActivity(recent[0]!);
    const missed = fake.addActivity(who.id, { sportType: 'WeightTraining', start: new Date(NOW.getTime() - 2 * 86_400_000) });
    fake.updateActivity(recent[1]!, { name: 'Renamed on Strava' });
    // An old one deleted (beyond the reconcile's 30 days) stays: only the window is compared.
    fake.deleteActivity(old);
    // Fan-out: no athlete → one reconcile job per active connection.
    await jobs.enqueue('strava-sync', { mode: 'reconcile' });
    await jobs.drain();
    expect(jobs.failed).toEqual([]);
    const after = await sourceIds(athleteId);
    expect(after).not.toContain(recent[0]);
    expect(after).toContain(missed);
    expect(after).toContain(old);
    expect((await t.db.selectFrom('activities').select('name').where('source_id', '=', recent[1]!).executeTakeFirstOrThrow()).name).toBe('Renamed on Strava');
    // Reconcile forgets (no tombstone): if Strava lists it again, it comes back.
    expect(await findLink(t.db, athleteId, recent[0]!)).toBeUndefined();
    expect((await sourceIds(otherId)).length).toBe(3);
  });
});

describe('Strava after re-authorisation', () => {
  const w = stravaWorld(new FakeClock(NOW, 'auto'));

  it('the sync fetches the laps and streams that were skipped while the connection needed it', async () => {
    const { t, fake } = w;
    const { strava, jobs } = inlineStrava(w);
    const who = fake.addAthlete();
    const run = fake.addActivity(who.id, { sportType: 'Run', start: new Date(NOW.getTime() - 86_400_000) });
    const athleteId = await connectAthlete(w, strava, who.id);
    // Revoked before the run's details were fetched: the detail job ends skipped, the run stays pending.
    await jobs.enqueue('strava-sync', { athleteId, mode: 'backfill' });
    fake.revoke(who.id);
    await jobs.drain();
    expect(jobs.failed).toEqual([]);
    expect((await findConnection(t.db, athleteId))?.status).toBe('needs_reauth');
    expect(await findLink(t.db, athleteId, run)).toBeUndefined();
    // Connect again: the incremental sync lists the run and fetches its details.
    await connectWithCode(t.db, strava, { code: fake.issueCode(who.id), scopes: 'read,activity:read_all', athleteId, now: fake.clock.now() });
    await jobs.enqueue('strava-sync', { athleteId, mode: 'incremental' });
    await jobs.drain();
    expect((await findLink(t.db, athleteId, run))?.details_pending).toBe(false);

    // A run left pending by a lost job is picked up by the next sync too.
    await t.db.updateTable('strava_activities').set({ details_pending: true }).where('strava_id', '=', run).execute();
    await t.db.deleteFrom('activity_streams').execute();
    await jobs.enqueue('strava-sync', { athleteId, mode: 'incremental' });
    await jobs.drain();
    expect((await findLink(t.db, athleteId, run))?.details_pending).toBe(false);
    expect((await t.db.selectFrom('activity_streams').select('activity_id').execute()).length).toBe(1);
  });
});

describe('Strava in embedded mode: waits longer than a token lives', () => {
  const w = stravaWorld(new FakeClock(NOW, 'auto'));

  it('a backfill spread over days by the daily limit refreshes its token instead of giving up', async () => {
    const { t, fake } = w;
    const { strava, jobs } = inlineStrava(w);
    fake.limits = { overall: [200, 2000], read: [100, 20] };
    const who = fake.addAthlete();
    const ids = fake.addHistory(who.id, { count: 30, end: NOW, runShare: 0.8, seed: 11 });
    const athleteId = await connectAthlete(w, strava, who.id);
    await jobs.enqueue('strava-sync', { athleteId, mode: 'backfill' });
    await jobs.drain();
    expect(jobs.failed).toEqual([]);
    expect(fake.clock.now().getTime() - NOW.getTime()).toBeGreaterThan(24 * 3600_000);
    expect(fake.count('token')).toBeGreaterThan(2);
    expect((await findConnection(t.db, athleteId))?.status).toBe('active');
    const runs = await t.db.selectFrom('activities').select('id').where('athlete_id', '=', athleteId).where('category', '=', 'run').execute();
    expect((await t.db.selectFrom('activity_streams').select('activity_id').execute()).length).toBe(runs.length);
    expect((await t.db.selectFrom('activities').select('id').where('athlete_id', '=', athleteId).execute()).length).toBe(ids.length);
    expect(fake.requests.filter((r) => r.status === 429)).toEqual([]);
  });
});

describe('Strava on BullMQ: the daily reconcile scheduler, and a spent budget pausing the queue', () => {
  const w = stravaWorld(new FakeClock(new Date('2026-11-25T12:10:00Z'), 'frozen'));

  it('keeps exactly one reconcile scheduler however many workers start', async () => {
    const { fake } = w;
    const { log } = captureLogger();
    const q = createTestQueues(log);
    try {
      const config = stravaConfig(fake);
      expect(await startStravaSchedule(q.queues, config, log)).toBe(true);
      expect(await startStravaSchedule(q.queues, config, log)).toBe(true);
      const schedulers = await (await q.queues.ready('strava-sync')).getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([[STRAVA_RECONCILE_SCHEDULER, STRAVA_RECONCILE_PATTERN, 'UTC']]);
      expect(await startStravaSchedule(q.queues, { ...config, secret: undefined }, log)).toBe(false);
    } finally {
      await q.cleanup();
    }
  });

  it('a spent budget pauses the queue until the window resets and retries the job without using an attempt', async () => {
    const { t, fake } = w;
    const { log, lines } = captureLogger();
    const q = createTestQueues(log);
    const strava = testStravaServices(fake, { maxWaitMs: 0, maxPauseMs: 200 });
    const who = fake.addAthlete();
    const id = fake.addActivity(who.id, { sportType: 'Run', start: new Date('2026-11-25T07:00:00Z') });
    const athleteId = await connectAthlete(w, strava, who.id);
    // Two reads per window; one is used: the activity's two requests (detail, streams) do not fit before 12:15.
    fake.limits = { overall: [200, 2000], read: [2, 1000] };
    await strava.client.getAthlete((await strava.client.exchangeCode(fake.issueCode(who.id))).access_token);
    await t.db.insertInto('strava_activities').values({ athlete_id: athleteId, strava_id: id, activity_id: null, start_time: new Date('2026-11-25T07:00:00Z'), details_pending: true }).execute();
    const worker = registerWorker('strava-activity', { db: t.db, log, now: () => fake.clock.now(), queue: q.queues, strava, decodePool: NO_FIT_FILES }, { queues: q.queues, handler: HANDLERS['strava-activity'], concurrency: 1, closeOn: [] });
    try {
      await q.queues.enqueue('strava-activity', { athleteId, stravaId: id, priority: 2 });
      await waitFor('the queue to pause (twice: the window has not reset)', () => lines.filter((l) => l.msg === 'rate limited: queue paused').length >= 2, 20_000);
      // Paused for at most maxPauseMs at a time, then checked again.
      expect(lines.find((l) => l.msg === 'rate limited: queue paused')!.delayMs).toBe(200);
      expect(fake.count('detail')).toBe(0);
      fake.clock.set(new Date('2026-11-25T12:15:00Z'));
      await waitFor('the activity to be fetched after the reset', async () => (await findLink(t.db, athleteId, id))?.details_pending === false, 30_000);
      expect(fake.requests.filter((r) => r.status === 429)).toEqual([]);
      await waitFor('the job to complete', () => lines.some((l) => l.msg === 'job completed' && l.queue === 'strava-activity'));
      expect(lines.find((l) => l.msg === 'job completed' && l.queue === 'strava-activity')?.attempts).toBe(1);
    } finally {
      await worker.close();
      await q.cleanup();
    }
  });
});
