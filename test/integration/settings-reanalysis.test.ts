/**
 * Issue #17 item 6: a settings change that analysis depends on answers at once, and every week of
 * the athlete's history is re-analysed in the background — one `analysis` job per athlete (repeated
 * saves coalesce), with its progress readable while it runs (`GET /athletes/:id/analysis-status`, the
 * settings page) — and the server keeps answering meanwhile. In embedded mode (jobs in the server's
 * process, on PGlite and on Postgres) and with BullMQ workers.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisRunOf, markWeeksAnalysed } from '../../src/db/repositories/analysis-runs.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import type { Database } from '../../src/db/schema.ts';
import type { Kysely } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { addWeeks, isoWeekOf } from '../../src/domain/iso-week.ts';
import { registerWorker, type RegisteredWorker } from '../../src/jobs/bullmq.ts';
import { analyseWeeks } from '../../src/services/analysis.ts';
import { changeAthleteSettings } from '../../src/services/athletes.ts';
import { reanalyseHistory, requestReanalysis } from '../../src/services/reanalysis.ts';
import { buildServer, type ApiApp } from '../../src/server/server.ts';
import { HANDLERS } from '../../src/workers/handlers.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import type { JobRunner } from '../../src/jobs/queues.ts';
import { ADMIN_TOKEN, createAthleteViaApi, type CreatedAthlete } from '../support/api.ts';
import { BACKENDS, createTestDb, type TestDb } from '../support/db.ts';
import { NO_FIT_FILES } from '../support/decoding.ts';
import { historyActivities, insertHistory } from '../support/history.ts';
import { captureLogger, createTestQueues, waitFor, type TestQueues } from '../support/queues.ts';
import { createWebTestApp, signInByEmail, type WebTestApp } from '../support/web.ts';

/** 60 weeks of two runs each (long run and intervals, 1 Hz samples): three slices of the re-analysis. */
const FIRST_MONDAY = '2024-09-02';
const WEEKS = 60;
const weeks = Array.from({ length: WEEKS }, (_, i) => addWeeks(isoWeekOf(FIRST_MONDAY), i));
const PACE_BEFORE = '4:30/km';
const PACE_AFTER = '4:10/km';
const mps = (pace: string): number => 1000 / (Number(pace.slice(0, 1)) * 60 + Number(pace.slice(2, 4)));

/** Rate limits far above what these tests send. */
const NO_RATE_LIMITS = { KINETIC_API_RATE_LIMIT: '1000000', KINETIC_SIGNIN_RATE_LIMIT_ADDRESS: '1000000', KINETIC_SIGNIN_RATE_LIMIT_IP: '1000000' };

interface Status {
  status: 'up_to_date' | 'reanalysing';
  weeksDone: number;
  weeksTotal: number;
  requestedAt: string | null;
  finishedAt: string | null;
}

/** The in-process runner, holding its jobs until `release()`: the test sees the state right after a save, whatever the timing. */
class GatedRunner extends InlineRunner {
  private open: () => void = () => undefined;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  release(): void {
    this.open();
  }

  override async drain(): Promise<void> {
    await this.opened;
    await super.drain();
  }
}

/** The athlete's history with every week analysed at the pace before the change. */
async function seedHistory(db: Kysely<Database>, athleteId: string): Promise<void> {
  await insertHistory(db, athleteId, historyActivities({ from: FIRST_MONDAY, weeks: WEEKS, kinds: ['long', 'intervals'] }));
  await analyseWeeks(db, athleteId, weeks, new Date());
}

/** Threshold pace of every stored week of the range, by week. */
async function pacesOf(db: Kysely<Database>, athleteId: string): Promise<Map<string, number | undefined>> {
  const rows = await db.selectFrom('week_compliance').select(['iso_week', 'data']).where('athlete_id', '=', athleteId).execute();
  return new Map(rows.filter((r) => weeks.includes(r.iso_week)).map((r) => [r.iso_week, r.data.physiology.thresholdSpeedMps?.value]));
}

async function buildApp(t: TestDb, jobs: JobRunner, queueEnv: Record<string, string> = {}): Promise<ApiApp> {
  const { log } = captureLogger();
  const config = loadConfig({ ...(t.url !== undefined && { DATABASE_URL: t.url }), KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, ...NO_RATE_LIMITS, ...queueEnv });
  const app = await buildServer({ db: t.db, log, jobs, config, now: () => new Date() });
  await app.ready();
  return app;
}

describe.each(BACKENDS)('re-analysis after a settings change, jobs in the server process, on %s', (kind) => {
  let t: TestDb;
  let runner: GatedRunner;
  let app: ApiApp;
  let me: CreatedAthlete;

  beforeAll(async () => {
    t = await createTestDb(kind);
    const { log } = captureLogger();
    runner = new GatedRunner({ db: t.db, log, now: () => new Date(), decodePool: NO_FIT_FILES }, { backoffScale: 0.001 });
    app = await buildApp(t, runner);
    me = await createAthleteViaApi(app, { name: 'Years', timezone: 'UTC', maxHr: 188, restingHr: 50, thresholdPace: PACE_BEFORE });
    await seedHistory(t.db, me.id);
  }, 120_000);
  afterAll(async () => {
    runner?.release();
    await app?.close();
    await runner?.close();
    await t?.drop();
  });

  it('answers the save at once, shows the progress, serves requests while it runs, and ends with the new settings', { timeout: 120_000 }, async () => {
    const status = async (): Promise<Status> => (await app.inject({ method: 'GET', url: `/athletes/${me.id}/analysis-status`, headers: me.headers })).json<Status>();
    expect(await status()).toMatchObject({ status: 'up_to_date', weeksTotal: 0, requestedAt: null });

    const saved = await app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: me.headers, payload: { thresholdPace: PACE_AFTER } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ thresholdPace: PACE_AFTER, weeksQueued: WEEKS });
    // The save answered before any week was re-analysed: the job is queued, not run in the request.
    expect(await status()).toMatchObject({ status: 'reanalysing', weeksDone: 0, weeksTotal: WEEKS, finishedAt: null });
    expect(new Set((await pacesOf(t.db, me.id)).values())).toEqual(new Set([mps(PACE_BEFORE)]));
    const page = await app.inject({ method: 'GET', url: `/athletes/${me.id}/weeks/${weeks[3]}`, headers: me.headers });
    expect(page.statusCode).toBe(200);

    // Over a real socket, as a browser asks: an answer needs the event loop to poll for I/O, which
    // it does only when the job hands it back (the embedded database runs in this thread).
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    runner.release();
    const seen: Status[] = [];
    for (;;) {
      const res = await fetch(`${base}/athletes/${me.id}/analysis-status`, { headers: me.headers });
      expect(res.status).toBe(200);
      const s = (await res.json()) as Status;
      seen.push(s);
      if (s.status === 'up_to_date') break;
    }
    // Requests were answered while the weeks were being re-analysed, and they saw it move.
    expect(seen.filter((s) => s.status === 'reanalysing').length).toBeGreaterThan(0);
    expect(seen.some((s) => s.weeksDone > 0 && s.weeksDone < WEEKS)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ status: 'up_to_date', weeksDone: WEEKS, weeksTotal: WEEKS });
    expect(seen.at(-1)!.finishedAt).not.toBeNull();
    await app.background.idle();

    // Every week now carries the new threshold pace.
    const paces = await pacesOf(t.db, me.id);
    expect([...paces.keys()].sort()).toEqual(weeks);
    expect(new Set(paces.values())).toEqual(new Set([mps(PACE_AFTER)]));
  });
});

describe('re-analysis after a settings change, BullMQ workers', () => {
  let t: TestDb;
  let q: TestQueues;
  let app: ApiApp;
  let me: CreatedAthlete;
  let worker: RegisteredWorker | undefined;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    const { log } = captureLogger();
    q = createTestQueues(log);
    app = await buildApp(t, q.queues, { REDIS_URL: q.redisUrl, KINETIC_QUEUE_PREFIX: q.prefix });
    me = await createAthleteViaApi(app, { name: 'Years', timezone: 'UTC', maxHr: 188, restingHr: 50, thresholdPace: PACE_BEFORE });
    await seedHistory(t.db, me.id);
  }, 120_000);
  afterAll(async () => {
    await worker?.close();
    await app?.close();
    await q?.cleanup();
    await t?.drop();
  });

  it('coalesces repeated saves into one job, which a worker runs to the last save', { timeout: 120_000 }, async () => {
    const status = async (): Promise<Status> => (await app.inject({ method: 'GET', url: `/athletes/${me.id}/analysis-status`, headers: me.headers })).json<Status>();
    const first = await app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: me.headers, payload: { thresholdPace: '4:20/km' } });
    expect(first.json()).toMatchObject({ weeksQueued: WEEKS });
    const second = await app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: me.headers, payload: { thresholdPace: PACE_AFTER } });
    expect(second.json()).toMatchObject({ weeksQueued: WEEKS });
    expect((await q.queues.counts()).analysis.waiting).toBe(1);
    expect(await status()).toMatchObject({ status: 'reanalysing', weeksDone: 0, weeksTotal: WEEKS });

    const { log } = captureLogger();
    worker = registerWorker('analysis', { db: t.db, log, now: () => new Date(), queue: q.queues, decodePool: NO_FIT_FILES }, { queues: q.queues, handler: HANDLERS.analysis, closeOn: [] });
    await waitFor('the re-analysis', async () => (await status()).status === 'up_to_date', 90_000);
    expect(await status()).toMatchObject({ weeksDone: WEEKS, weeksTotal: WEEKS });
    expect(new Set((await pacesOf(t.db, me.id)).values())).toEqual(new Set([mps(PACE_AFTER)]));
  });
});

describe('the re-analysis job', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('pglite');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('starts over when a newer save comes in while it runs, and ends with the newest settings', { timeout: 120_000 }, async () => {
    const athlete = await createAthlete(t.db, { name: 'Twice', email: null, sex: 'f', max_hr: 188, resting_hr: 50, lthr: null, threshold_speed_mps: mps(PACE_BEFORE), timezone: 'UTC' });
    await insertHistory(t.db, athlete.id, historyActivities({ from: FIRST_MONDAY, weeks: 12, kinds: ['long'] }));
    const { log } = captureLogger();
    const runner = new InlineRunner({ db: t.db, log, now: () => new Date(), decodePool: NO_FIT_FILES });
    const { athlete: changed, weeksQueued } = await changeAthleteSettings(t.db, runner, athlete, { threshold_speed_mps: mps('4:20/km') }, new Date());
    expect(weeksQueued).toBe(12);
    // After its first slice, the athlete saves again.
    const progress: number[] = [];
    const onProgress = async ({ weeksDone }: { weeksDone: number }): Promise<void> => {
      progress.push(weeksDone);
      if (progress.length === 1) await changeAthleteSettings(t.db, runner, changed, { threshold_speed_mps: mps(PACE_AFTER) }, new Date());
    };
    const { weeks: analysed } = await reanalyseHistory(t.db, athlete.id, () => new Date(), { sliceWeeks: 4, onProgress });
    // 4 weeks, 4 more (found outdated when recorded), then all 12 again with the newer settings.
    expect(analysed).toBe(20);
    expect(progress).toEqual([4, 4, 8, 12]);
    const run = await analysisRunOf(t.db, athlete.id);
    expect(run).toMatchObject({ generation: 2, weeks_total: 12, weeks_done: 12, done_through: addWeeks(isoWeekOf(FIRST_MONDAY), 11) });
    expect(run?.finished_at).not.toBeNull();
    const stored = await t.db.selectFrom('week_compliance').select('data').where('athlete_id', '=', athlete.id).execute();
    expect(stored).toHaveLength(12);
    expect(new Set(stored.map((r) => r.data.physiology.thresholdSpeedMps?.value))).toEqual(new Set([mps(PACE_AFTER)]));
    // The one job both saves queued (same id) finds nothing left to do.
    await runner.drain();
    expect(await analysisRunOf(t.db, athlete.id)).toEqual(run);
    await runner.close();
  });
});

describe('the settings page', () => {
  let w: WebTestApp;
  beforeAll(async () => {
    w = await createWebTestApp();
  });
  afterAll(async () => {
    await w.close();
  });

  it('says how far the re-analysis got, then that the analysis is up to date', { timeout: 120_000 }, async () => {
    const b = await signInByEmail(w.app, w.smtp, 'progress@example.com', 'UTC');
    const { id } = await w.t.db.selectFrom('athletes').select('id').where('email', '=', 'progress@example.com').executeTakeFirstOrThrow();
    await insertHistory(w.t.db, id, historyActivities({ from: FIRST_MONDAY, weeks: 6, kinds: ['long'] }));
    expect((await b.get('/app/settings')).body).toContain('Analysis: up to date.');

    // A request recorded and not worked on yet (as a worker that has not taken the job).
    await w.t.db.transaction().execute((trx) => requestReanalysis(trx, id, { first: weeks[0]!, last: weeks[5]! }, new Date()));
    await markWeeksAnalysed(w.t.db, id, 1, weeks[1]!, 2);
    const during = (await b.get('/app/settings')).body;
    expect(during).toContain('data-analysis-status="reanalysing"');
    expect(during).toContain(`data-url="/athletes/${id}/analysis-status"`);
    expect(during).toContain('re-analysing with your new settings — 2 of 6 weeks done');

    // Saving the form asks again, and the background job finishes it.
    const saved = await b.post('/app/settings', { _csrf: b.csrf, name: 'Pat', email: 'progress@example.com', timezone: 'UTC', units: 'km', thresholdPace: PACE_AFTER, reportDay: 'mon', reportTime: '07:00' });
    expect(saved.status, saved.body).toBe(303);
    await w.app.background.idle();
    const after = (await b.get('/app/settings')).body;
    expect(after).toContain('data-analysis-status="up_to_date"');
    expect(after).toContain('Analysis: up to date.');
    expect(await analysisRunOf(w.t.db, id)).toMatchObject({ generation: 2, weeks_done: 6, weeks_total: 6 });
  });
});
