/**
 * Issue #17 item 6, its last point: a re-analysis after a settings change whose job fails for good (out
 * of attempts, or a permanent error) shows `failed` with the error in words — on
 * `GET /athletes/:id/analysis-status` and the settings page — instead of `reanalysing` for ever; and
 * saving the settings again starts it over. The failure is real: a check constraint on the stored week
 * documents that the analysis of one week breaks, on every attempt.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/schema.ts';
import { addWeeks, isoWeekOf } from '../../src/domain/iso-week.ts';
import { registerWorker, type RegisteredWorker } from '../../src/jobs/bullmq.ts';
import { RETRY } from '../../src/jobs/queues.ts';
import { analyseWeeks } from '../../src/services/analysis.ts';
import { buildServer, type ApiApp } from '../../src/server/server.ts';
import { HANDLERS } from '../../src/workers/handlers.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { ADMIN_TOKEN, createAthleteViaApi, NO_RATE_LIMITS, type CreatedAthlete } from '../support/api.ts';
import { BACKENDS, createTestDb, type TestDb } from '../support/db.ts';
import { NO_FIT_FILES } from '../support/decoding.ts';
import { historyActivities, insertHistory } from '../support/history.ts';
import { captureLogger, createTestQueues, waitFor, type TestQueues } from '../support/queues.ts';
import { createWebTestApp, signInByEmail, type WebTestApp } from '../support/web.ts';

/** 40 weeks of long runs: the first slice of the re-analysis (26 weeks) succeeds, the second fails. */
const FIRST_MONDAY = '2024-09-02';
const WEEKS = 40;
const weeks = Array.from({ length: WEEKS }, (_, i) => addWeeks(isoWeekOf(FIRST_MONDAY), i));
const BROKEN_WEEK = weeks[30]!;

interface Status {
  status: 'up_to_date' | 'reanalysing' | 'failed';
  weeksDone: number;
  weeksTotal: number;
  finishedAt: string | null;
  failedAt: string | null;
  error: string | null;
}

async function seedHistory(db: Kysely<Database>, athleteId: string): Promise<void> {
  await insertHistory(db, athleteId, historyActivities({ from: FIRST_MONDAY, weeks: WEEKS, kinds: ['long'] }));
  await analyseWeeks(db, athleteId, weeks, new Date());
}

/** From now on, storing the analysis of BROKEN_WEEK violates a constraint (rows already stored are not checked). */
async function breakWeek(db: Kysely<Database>): Promise<void> {
  await sql`alter table week_compliance add constraint refuses_one_week check (iso_week <> ${sql.lit(BROKEN_WEEK)}) not valid`.execute(db);
}

async function mendWeek(db: Kysely<Database>): Promise<void> {
  await sql`alter table week_compliance drop constraint if exists refuses_one_week`.execute(db);
}

function expectFailed(s: Status): void {
  expect(s).toMatchObject({ status: 'failed', weeksDone: 26, weeksTotal: WEEKS, finishedAt: null });
  expect(s.failedAt).not.toBeNull();
  expect(s.error).toContain(`the weeks from ${weeks[26]} to ${weeks.at(-1)} could not be analysed with the new settings (26 of ${WEEKS} weeks were)`);
  expect(s.error).toContain('refuses_one_week');
}

describe.each(BACKENDS)('a re-analysis that fails for good, jobs in the server process, on %s', (kind) => {
  let t: TestDb;
  let runner: InlineRunner;
  let app: ApiApp;
  let me: CreatedAthlete;

  beforeAll(async () => {
    t = await createTestDb(kind);
    const { log } = captureLogger();
    runner = new InlineRunner({ db: t.db, log, now: () => new Date(), decodePool: NO_FIT_FILES }, { backoffScale: 0.001 });
    const config = loadConfig({ ...(t.url !== undefined && { DATABASE_URL: t.url }), KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, ...NO_RATE_LIMITS });
    app = await buildServer({ db: t.db, log, jobs: runner, config, now: () => new Date() });
    await app.ready();
    me = await createAthleteViaApi(app, { name: 'Years', timezone: 'UTC', maxHr: 188, restingHr: 50, thresholdPace: '4:30/km' });
    await seedHistory(t.db, me.id);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await runner?.close();
    await t?.drop();
  });

  it('says failed, with the weeks left and the error, once the job is out of attempts; a new save starts it over', { timeout: 120_000 }, async () => {
    const status = async (): Promise<Status> => (await app.inject({ method: 'GET', url: `/athletes/${me.id}/analysis-status`, headers: me.headers })).json<Status>();
    await breakWeek(t.db);
    try {
      const saved = await app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: me.headers, payload: { thresholdPace: '4:20/km' } });
      expect(saved.json()).toMatchObject({ weeksQueued: WEEKS });
      await app.background.idle();
      // Every attempt failed the same way: the job is failed, and so is the re-analysis.
      expect(app.background.failedCount).toBe(1);
      expectFailed(await status());
    } finally {
      await mendWeek(t.db);
    }
    // The same save again (nothing changed) asks for the re-analysis again, and it now completes.
    const again = await app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: me.headers, payload: { thresholdPace: '4:20/km' } });
    expect(again.json()).toMatchObject({ weeksQueued: WEEKS });
    expect(await status()).toMatchObject({ status: 'reanalysing', failedAt: null, error: null });
    await app.background.idle();
    expect(await status()).toMatchObject({ status: 'up_to_date', weeksDone: WEEKS, weeksTotal: WEEKS, failedAt: null, error: null });
  });
});

describe('a re-analysis that fails for good, BullMQ worker', () => {
  let t: TestDb;
  let q: TestQueues;
  let app: ApiApp;
  let me: CreatedAthlete;
  let worker: RegisteredWorker | undefined;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    const { log } = captureLogger();
    q = createTestQueues(log, { backoffScale: 0.001 });
    const config = loadConfig({ DATABASE_URL: t.url!, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, ...NO_RATE_LIMITS, ...q.env });
    app = await buildServer({ db: t.db, log, jobs: q.queues, config, now: () => new Date() });
    await app.ready();
    me = await createAthleteViaApi(app, { name: 'Years', timezone: 'UTC', maxHr: 188, restingHr: 50, thresholdPace: '4:30/km' });
    await seedHistory(t.db, me.id);
  }, 120_000);
  afterAll(async () => {
    await worker?.close();
    await app?.close();
    await q?.cleanup();
    await t?.drop();
  });

  it('says reanalysing while attempts are left, failed once the last one failed', { timeout: 120_000 }, async () => {
    const status = async (): Promise<Status> => (await app.inject({ method: 'GET', url: `/athletes/${me.id}/analysis-status`, headers: me.headers })).json<Status>();
    await breakWeek(t.db);
    const saved = await app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: me.headers, payload: { thresholdPace: '4:20/km' } });
    expect(saved.json()).toMatchObject({ weeksQueued: WEEKS });
    const { log } = captureLogger();
    const seen = new Set<string>();
    worker = registerWorker('analysis', { db: t.db, log, now: () => new Date(), queue: q.queues, decodePool: NO_FIT_FILES }, { queues: q.queues, handler: HANDLERS.analysis, closeOn: [] });
    await waitFor(
      'the failed re-analysis',
      async () => {
        const s = await status();
        seen.add(s.status);
        return s.status !== 'reanalysing';
      },
      90_000,
    );
    expectFailed(await status());
    const [job] = await q.queues.failed('analysis');
    expect(job).toMatchObject({ attempts: RETRY.analysis.attempts });
    expect(job!.error).toContain('refuses_one_week');
    expect([...seen]).toEqual(['reanalysing', 'failed']);
    await mendWeek(t.db);
  });
});

describe('the settings page, after a re-analysis failed', () => {
  let w: WebTestApp;
  beforeAll(async () => {
    w = await createWebTestApp();
  });
  afterAll(async () => {
    await w.close();
  });

  it('says it failed and why; saving the form again re-analyses', { timeout: 120_000 }, async () => {
    const b = await signInByEmail(w.app, w.smtp, 'broken@example.com', 'UTC');
    const { id } = await w.t.db.selectFrom('athletes').select('id').where('email', '=', 'broken@example.com').executeTakeFirstOrThrow();
    await seedHistory(w.t.db, id);
    const form = { _csrf: b.csrf, name: 'Pat', email: 'broken@example.com', timezone: 'UTC', units: 'km', thresholdPace: '4:20/km', reportDay: 'mon', reportTime: '07:00' };
    await breakWeek(w.t.db);
    try {
      expect((await b.post('/app/settings', form)).status).toBe(303);
      await w.app.background.idle();
      const page = (await b.get('/app/settings')).body;
      expect(page).toContain('data-analysis-status="failed"');
      expect(page).toContain(`Analysis: the re-analysis with your new settings failed — the weeks from ${weeks[26]} to ${weeks.at(-1)} could not be analysed`);
      expect(page).toContain('Saving your settings again starts it over.');
    } finally {
      await mendWeek(w.t.db);
    }
    expect((await b.post('/app/settings', form)).status).toBe(303);
    await w.app.background.idle();
    const after = (await b.get('/app/settings')).body;
    expect(after).toContain('data-analysis-status="up_to_date"');
  });
});
