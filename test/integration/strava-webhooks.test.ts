/**
 * Acceptance (issue 8): webhook create/update/delete/deauth events, duplicated and out of order,
 * leave exactly the right activities; a run uploaded as FIT and also on Strava is one activity (FIT
 * kept, Strava id linked), whichever comes first; a revoked token stops that athlete's sync only.
 * Kinetic's HTTP server listens for real, the fake Strava posts to it, `kinetic strava subscribe`
 * creates the subscription (Strava's hub.challenge handshake against the running server).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConnection, findLink } from '../../src/db/repositories/strava.ts';
import { connectWithCode } from '../../src/services/strava-connection.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { runCli } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { FakeClock, FakeStrava, type FakeAthlete } from '../support/fake-strava.ts';
import { createStravaApi, stravaEnv, VERIFY_TOKEN, type StravaApi } from '../support/strava.ts';

describe('Strava webhooks, dedupe across sources, deauthorization', () => {
  let t: TestDb;
  let fake: FakeStrava;
  let api: StravaApi;
  let base = '';
  let paula: FakeAthlete;
  let kim: FakeAthlete;
  let paulaId = '';
  let kimId = '';

  async function settle(): Promise<void> {
    await api.app.background.idle();
  }
  async function stravaRows(athleteId: string): Promise<{ source: string; source_id: string; name: string | null; sport: string; category: string }[]> {
    return t.db.selectFrom('activities').select(['source', 'source_id', 'name', 'sport', 'category']).where('athlete_id', '=', athleteId).orderBy('start_time').execute();
  }
  async function push(e: Parameters<FakeStrava['pushEvent']>[0]): Promise<number> {
    const started = performance.now();
    const status = await fake.pushEvent(e);
    expect(performance.now() - started).toBeLessThan(1000); // Strava allows 2 s
    return status;
  }

  beforeAll(async () => {
    t = await createTestDb('postgres');
    fake = await new FakeStrava({ clock: new FakeClock(new Date()) }).start();
    api = await createStravaApi(t, fake);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
    paula = fake.addAthlete({ firstname: 'Paula', lastname: 'R' });
    kim = fake.addAthlete({ firstname: 'Kim', lastname: 'S' });
    fake.addHistory(paula.id, { count: 6, end: new Date(Date.now() - 86_400_000), seed: 1 });
    fake.addHistory(kim.id, { count: 4, end: new Date(Date.now() - 86_400_000), seed: 2 });
    paulaId = (await connectWithCode(t.db, api.strava, { code: fake.issueCode(paula.id), scopes: 'read,activity:read_all', now: new Date() })).athlete.id;
    kimId = (await connectWithCode(t.db, api.strava, { code: fake.issueCode(kim.id), scopes: 'read,activity:read_all', now: new Date() })).athlete.id;
    for (const athleteId of [paulaId, kimId]) await api.jobs.enqueue('strava-sync', { athleteId, mode: 'backfill' });
    await api.jobs.drain();
    expect(api.jobs.failed).toEqual([]);
  });
  afterAll(async () => {
    await api?.close();
    await fake?.stop();
    await t?.drop();
  });

  it('answers the subscription check only with the verify token', async () => {
    const ok = await fetch(`${base}/webhooks/strava?hub.mode=subscribe&hub.challenge=abc123&hub.verify_token=${VERIFY_TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ 'hub.challenge': 'abc123' });
    const wrong = await fetch(`${base}/webhooks/strava?hub.mode=subscribe&hub.challenge=abc123&hub.verify_token=guess`);
    expect(wrong.status).toBe(403);
    // The verify token travels in the URL: the server's access log must not write it down.
    expect(api.lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain(VERIFY_TOKEN);
  });

  it('kinetic strava subscribe creates the subscription through the handshake, once', async () => {
    const env = { DATABASE_URL: t.url!, ...stravaEnv(fake) };
    const r = await runCli(['strava', 'subscribe', '--callback-url', `${base}/webhooks/strava`], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^subscribed: subscription \d+ → http:\/\/127\.0\.0\.1:\d+\/webhooks\/strava\n$/);
    const again = await runCli(['strava', 'subscribe', '--callback-url', `${base}/webhooks/strava`], env);
    expect(again.stdout).toContain('already subscribed');
    expect(fake.currentSubscription?.callbackUrl).toBe(`${base}/webhooks/strava`);
  });

  it('refuses events of another subscription, and bodies that are not events', async () => {
    const forged = await fetch(`${base}/webhooks/strava`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ aspect_type: 'create', event_time: 1, object_id: 1, object_type: 'activity', owner_id: Number(paula.id), subscription_id: 1, updates: {} }),
    });
    expect(forged.status).toBe(403);
    const junk = await fetch(`${base}/webhooks/strava`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"aspect_type":"create"}' });
    expect(junk.status).toBe(400);
    expect(((await junk.json()) as { error: { message: string } }).error.message).toContain('object_id');
    expect(await t.db.selectFrom('strava_events').selectAll().execute()).toEqual([]);
  });

  it('create (delivered twice, streams not processed at first) → one activity with its streams', async () => {
    fake.streamsDelayS = 0.3;
    const id = fake.addActivity(paula.id, { sportType: 'Run', start: new Date(Date.now() - 3600_000), distanceM: 12_000, name: 'Morning Run' });
    const e = { aspect_type: 'create' as const, object_type: 'activity' as const, object_id: id, owner_id: paula.id, updates: {}, event_time: 1_700_000_000 };
    expect(await push(e)).toBe(200);
    expect(await push(e)).toBe(200);
    await settle();
    fake.streamsDelayS = 0;
    const events = await t.db.selectFrom('strava_events').selectAll().where('object_id', '=', id).execute();
    expect(events.length).toBe(1);
    expect(events[0]!.outcome).toBe('stored');
    const rows = (await stravaRows(paulaId)).filter((r) => r.source_id === id);
    expect(rows).toEqual([{ source: 'strava', source_id: id, name: 'Morning Run', sport: 'run', category: 'run' }]);
    const act = await t.db.selectFrom('activities').select('id').where('source_id', '=', id).executeTakeFirstOrThrow();
    expect(await t.db.selectFrom('activity_streams').select('sample_count').where('activity_id', '=', act.id).executeTakeFirst()).toBeDefined();
    expect((await t.db.selectFrom('laps').select('lap_index').where('activity_id', '=', act.id).execute()).length).toBe(12);
    expect((await findLink(t.db, paulaId, id))?.details_pending).toBe(false);
    // The first attempt found the streams empty (Strava still processing) and was retried.
    expect(fake.requests.filter((r) => r.route === 'streams' && r.path.includes(id)).length).toBeGreaterThanOrEqual(2);
  });

  it('update (title, type, privacy) → fetched and updated in place', async () => {
    const id = fake.addActivity(paula.id, { sportType: 'Run', start: new Date(Date.now() - 7200_000), name: 'Lunch Run' });
    await push({ aspect_type: 'create', object_type: 'activity', object_id: id, owner_id: paula.id, updates: {} });
    await settle();
    fake.updateActivity(id, { name: 'Gym', sportType: 'WeightTraining', private: true });
    await push({ aspect_type: 'update', object_type: 'activity', object_id: id, owner_id: paula.id, updates: { title: 'Gym', type: 'WeightTraining', private: 'true' } });
    await settle();
    const rows = (await stravaRows(paulaId)).filter((r) => r.source_id === id);
    expect(rows).toEqual([{ source: 'strava', source_id: id, name: 'Gym', sport: 'weight_training', category: 'strength' }]);
  });

  it('out of order: delete before create (and an update after) → nothing stored, ever', async () => {
    const id = fake.addActivity(paula.id, { sportType: 'Run', start: new Date(Date.now() - 5400_000) });
    fake.deleteActivity(id);
    await push({ aspect_type: 'delete', object_type: 'activity', object_id: id, owner_id: paula.id, updates: {} });
    await push({ aspect_type: 'create', object_type: 'activity', object_id: id, owner_id: paula.id, updates: {}, event_time: 1_700_000_001 });
    await push({ aspect_type: 'create', object_type: 'activity', object_id: id, owner_id: paula.id, updates: {}, event_time: 1_700_000_001 });
    await push({ aspect_type: 'update', object_type: 'activity', object_id: id, owner_id: paula.id, updates: { title: 'x' } });
    await settle();
    expect((await stravaRows(paulaId)).filter((r) => r.source_id === id)).toEqual([]);
    expect((await findLink(t.db, paulaId, id))?.deleted_at).not.toBeNull();
  });

  it('delete of a stored activity (twice) removes it', async () => {
    const [victim] = fake.activityIds(paula.id);
    expect((await stravaRows(paulaId)).some((r) => r.source_id === victim)).toBe(true);
    fake.deleteActivity(victim!);
    await push({ aspect_type: 'delete', object_type: 'activity', object_id: victim!, owner_id: paula.id, updates: {} });
    await push({ aspect_type: 'delete', object_type: 'activity', object_id: victim!, owner_id: paula.id, updates: {} });
    await settle();
    expect((await stravaRows(paulaId)).some((r) => r.source_id === victim)).toBe(false);
    // A list that still had it (a reconcile or backfill page fetched before the delete) cannot bring it back.
    expect(new Set((await stravaRows(paulaId)).map((r) => r.source_id))).toEqual(new Set(fake.activityIds(paula.id)));
  });

  it('the same run from the watch (FIT) and from Strava is one activity, whichever arrives first', async () => {
    // FIT first, then Strava (30 s later start, 1 % longer).
    const t1 = new Date(Math.floor((Date.now() - 10 * 3600_000) / 1000) * 1000);
    const fit1 = encodeRun({ startTime: t1, laps: [{ durationS: 1800, distanceM: 6000, avgHr: 150 }], serialNumber: 3_900_000_101 });
    const imported = await importFitFile(t.db, { athleteId: paulaId, filename: 'run1.fit', bytes: fit1 }, () => new Date());
    expect(imported.status).toBe('imported');
    const s1 = fake.addActivity(paula.id, { sportType: 'Run', start: new Date(t1.getTime() + 30_000), distanceM: 6060, movingS: 1800 });
    await push({ aspect_type: 'create', object_type: 'activity', object_id: s1, owner_id: paula.id, updates: {} });
    await settle();
    const around1 = await t.db.selectFrom('activities').select(['id', 'source']).where('athlete_id', '=', paulaId).where('start_time', '>=', new Date(t1.getTime() - 600_000)).where('start_time', '<=', new Date(t1.getTime() + 600_000)).execute();
    expect(around1.map((a) => a.source)).toEqual(['fit']);
    expect((await findLink(t.db, paulaId, s1))?.activity_id).toBe(around1[0]!.id);

    // Strava first, then the FIT file: the Strava copy gives way, its id is linked to the FIT activity.
    const t2 = new Date(Math.floor((Date.now() - 30 * 3600_000) / 1000) * 1000);
    const s2 = fake.addActivity(paula.id, { sportType: 'Run', start: t2, distanceM: 8000, movingS: 2400 });
    await push({ aspect_type: 'create', object_type: 'activity', object_id: s2, owner_id: paula.id, updates: {} });
    await settle();
    expect((await stravaRows(paulaId)).some((r) => r.source_id === s2)).toBe(true);
    const fit2 = encodeRun({ startTime: new Date(t2.getTime() - 45_000), laps: [{ durationS: 2400, distanceM: 7900, avgHr: 152 }], serialNumber: 3_900_000_102 });
    await importFitFile(t.db, { athleteId: paulaId, filename: 'run2.fit', bytes: fit2 }, () => new Date());
    const around2 = await t.db.selectFrom('activities').select(['id', 'source']).where('athlete_id', '=', paulaId).where('start_time', '>=', new Date(t2.getTime() - 600_000)).where('start_time', '<=', new Date(t2.getTime() + 600_000)).execute();
    expect(around2.map((a) => a.source)).toEqual(['fit']);
    expect((await findLink(t.db, paulaId, s2))?.activity_id).toBe(around2[0]!.id);
    // A later update of the Strava activity leaves the FIT data alone.
    await push({ aspect_type: 'update', object_type: 'activity', object_id: s2, owner_id: paula.id, updates: { title: 'renamed' } });
    await settle();
    expect((await t.db.selectFrom('activities').select(['source', 'name']).where('id', '=', around2[0]!.id).executeTakeFirstOrThrow()).source).toBe('fit');

    // Not a twin: 3 minutes apart.
    const s3 = fake.addActivity(paula.id, { sportType: 'Run', start: new Date(t1.getTime() + 180_000), distanceM: 6000 });
    await push({ aspect_type: 'create', object_type: 'activity', object_id: s3, owner_id: paula.id, updates: {} });
    await settle();
    expect((await stravaRows(paulaId)).some((r) => r.source_id === s3)).toBe(true);
  });

  it('a revoked token marks that connection and stops its sync; the other athlete goes on', async () => {
    fake.revoke(kim.id);
    const kimNew = fake.addActivity(kim.id, { sportType: 'Run', start: new Date(Date.now() - 1800_000) });
    const paulaNew = fake.addActivity(paula.id, { sportType: 'WeightTraining', start: new Date(Date.now() - 1700_000) });
    await push({ aspect_type: 'create', object_type: 'activity', object_id: kimNew, owner_id: kim.id, updates: {} });
    await push({ aspect_type: 'create', object_type: 'activity', object_id: paulaNew, owner_id: paula.id, updates: {} });
    await settle();
    expect(api.app.background.failedCount).toBe(0);
    expect((await findConnection(t.db, kimId))?.status).toBe('needs_reauth');
    expect((await stravaRows(kimId)).some((r) => r.source_id === kimNew)).toBe(false);
    expect((await findConnection(t.db, paulaId))?.status).toBe('active');
    expect((await stravaRows(paulaId)).some((r) => r.source_id === paulaNew)).toBe(true);
    // Further jobs for Kim end as skipped, without requests.
    const before = fake.requests.length;
    await api.jobs.enqueue('strava-sync', { athleteId: kimId, mode: 'incremental' });
    await api.jobs.drain();
    expect(fake.requests.length).toBe(before);
    expect(api.jobs.failed).toEqual([]);
  });

  it('deauthorization (delivered twice): tokens dropped, every Strava activity deleted, FIT uploads kept; later events ignored', async () => {
    const fitBefore = (await stravaRows(paulaId)).filter((r) => r.source === 'fit').length;
    expect(fitBefore).toBe(2);
    const deauth = { aspect_type: 'update' as const, object_type: 'athlete' as const, object_id: paula.id, owner_id: paula.id, updates: { authorized: 'false' }, event_time: 1_700_000_100 };
    expect(await push(deauth)).toBe(200);
    expect(await push(deauth)).toBe(200);
    await settle();
    const rows = await stravaRows(paulaId);
    expect(rows.length).toBe(fitBefore);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['fit']));
    expect(await findConnection(t.db, paulaId)).toBeUndefined();
    expect(await t.db.selectFrom('strava_activities').selectAll().where('athlete_id', '=', paulaId).execute()).toEqual([]);
    const late = fake.addActivity(paula.id, { sportType: 'Run', start: new Date(Date.now() - 600_000) });
    await push({ aspect_type: 'create', object_type: 'activity', object_id: late, owner_id: paula.id, updates: {} });
    await settle();
    expect((await stravaRows(paulaId)).some((r) => r.source_id === late)).toBe(false);
    // Kim's data (Strava-sourced) is untouched.
    expect((await stravaRows(kimId)).length).toBe(4);
    expect(api.app.background.failedCount).toBe(0);
  });
});
