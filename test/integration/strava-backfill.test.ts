/**
 * Acceptance (issue 8): connect → backfill of 1,000 activities (runs with streams and laps, strength
 * sessions) through BullMQ workers on Redis, against a fake Strava that enforces 100 read requests
 * per 15 minutes and 1,000 a day, on a clock the test advances. Zero 429s; one list request per 200
 * activities (plus the empty page that proves the end when the count is a multiple of 200); one
 * detail (laps) and one streams request per run, none for strength; everything stored once; recent
 * activities fetched before old ones.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConnection } from '../../src/db/repositories/strava.ts';
import { connectWithCode } from '../../src/services/strava-connection.ts';
import { effectiveLimit, RedisRateBudget } from '../../src/ingest/strava/rate-limit.ts';
import type { StravaServices } from '../../src/ingest/strava/services.ts';
import { registerWorker, type RegisteredWorker } from '../../src/jobs/bullmq.ts';
import type { QueueName } from '../../src/jobs/queues.ts';
import { handlerFor } from '../../src/workers/handlers.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { FakeClock, FakeStrava } from '../support/fake-strava.ts';
import { captureLogger, createTestQueues, type TestQueues } from '../support/queues.ts';
import { testStravaServices } from '../support/strava.ts';
import { NO_FIT_FILES } from '../support/decoding.ts';

const START = new Date('2026-11-20T21:00:00Z');
const COUNT = 1000;

describe('Strava backfill of 1,000 activities within the rate limits (BullMQ, Redis budget)', () => {
  let t: TestDb;
  let fake: FakeStrava;
  let q: TestQueues;
  let redis: Redis;
  const workers: RegisteredWorker[] = [];

  beforeAll(async () => {
    t = await createTestDb('postgres');
    fake = await new FakeStrava({ clock: new FakeClock(START, 'frozen') }).start();
    const { log } = captureLogger();
    q = createTestQueues(log);
    redis = new Redis(q.redisUrl);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await q?.cleanup();
    redis?.disconnect();
    await fake?.stop();
    await t?.drop();
  });

  it('completes with zero 429s and the fewest requests', { timeout: 600_000 }, async () => {
    fake.limits = { overall: [200, 2000], read: [100, 1000] };
    const who = fake.addAthlete();
    const ids = fake.addHistory(who.id, { count: COUNT, end: START, runShare: 0.7, seed: 42 });
    const { log } = captureLogger();

    // Two "machines": separate clients and budget objects, one budget in Redis.
    const services = (): StravaServices =>
      testStravaServices(fake, {
        budget: new RedisRateBudget((script, keys, args) => redis.eval(script, keys.length, ...keys, ...args), q.prefix, fake.clientId),
        maxWaitMs: 0,
        maxPauseMs: 150,
      });
    const machineA = services();
    const machineB = services();
    const connected = await connectWithCode(t.db, machineA, { code: fake.issueCode(who.id), scopes: 'read,activity:read_all', now: fake.clock.now() });
    const athleteId = connected.athlete.id;

    const now = (): Date => fake.clock.now();
    for (const strava of [machineA, machineB]) {
      for (const queue of ['strava-sync', 'strava-activity'] as QueueName[]) {
        workers.push(registerWorker(queue, { db: t.db, log, now, queue: q.queues, strava, decodePool: NO_FIT_FILES }, { queues: q.queues, handler: handlerFor(queue), concurrency: 3, closeOn: [] }));
      }
    }
    await Promise.all(workers.map((w) => w.worker.waitUntilReady()));
    await q.queues.enqueue('strava-sync', { athleteId, mode: 'backfill' });

    // The test's clock: when nothing has reached the fake for a moment and the budget is spent (every
    // worker is paused), move to the next 15-minute window.
    const budget = new RedisRateBudget((script, keys, args) => redis.eval(script, keys.length, ...keys, ...args), q.prefix, fake.clientId);
    const spent = async (): Promise<boolean> => {
      const b = await budget.snapshot(fake.clock.now());
      return b.used.r15 >= effectiveLimit(b.limits.r15, 'low') || b.used.rday >= effectiveLimit(b.limits.rday, 'low');
    };
    let seen = 0;
    let quietSince = Date.now();
    let advances = 0;
    const deadline = Date.now() + 540_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      if (fake.requests.length !== seen) {
        seen = fake.requests.length;
        quietSince = Date.now();
        continue;
      }
      const conn = await findConnection(t.db, athleteId);
      const pending = await t.db.selectFrom('strava_activities').select((eb) => eb.fn.countAll().as('n')).where('details_pending', '=', true).executeTakeFirstOrThrow();
      const counts = await q.queues.counts(['strava-sync', 'strava-activity']);
      const busy = Object.values(counts).reduce((n, c) => n + c.waiting + c.active + c.delayed + c.paused, 0);
      if (conn?.backfill_done_at !== null && Number(pending.n) === 0 && busy === 0) break;
      if (Date.now() > deadline) throw new Error(`backfill did not finish: ${JSON.stringify({ pending: pending.n, counts, requests: fake.requests.length })}`);
      if (Date.now() - quietSince > 300 && (await spent())) {
        fake.clock.advanceToNextWindow();
        advances++;
        quietSince = Date.now();
      }
    }

    const stored = await t.db.selectFrom('activities').select(['source_id', 'category', 'id']).where('athlete_id', '=', athleteId).execute();
    expect(stored.length).toBe(COUNT);
    expect(new Set(stored.map((a) => a.source_id))).toEqual(new Set(ids));
    const runIds = new Set(stored.filter((a) => a.category === 'run').map((a) => a.id));
    const withStreams = await t.db.selectFrom('activity_streams').select('activity_id').execute();
    expect(new Set(withStreams.map((s) => s.activity_id))).toEqual(runIds);
    const laps = await t.db.selectFrom('laps').select((eb) => eb.fn.count('activity_id').distinct().as('n')).executeTakeFirstOrThrow();
    expect(Number(laps.n)).toBe(runIds.size);
    expect(await t.db.selectFrom('strava_activities').select('details_pending').where('details_pending', '=', true).execute()).toEqual([]);

    // The requests: no 429; lists ≤ ⌈N/200⌉ + 1; exactly one detail and one streams request per run.
    expect(fake.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(fake.count('list')).toBeLessThanOrEqual(Math.ceil(COUNT / 200) + 1);
    expect(fake.count('detail')).toBe(runIds.size);
    expect(fake.count('streams')).toBe(runIds.size);
    expect(fake.count('laps')).toBe(0);
    // Windows of 100 and a day of 1,000 reads: the clock moved through many windows and past midnight.
    expect(advances).toBeGreaterThanOrEqual(14);
    expect(fake.clock.now().getTime()).toBeGreaterThan(Date.parse('2026-11-21T00:00:00Z'));
    const perWindow = new Map<number, number>();
    for (const r of fake.requests) {
      const w = Math.floor(r.at.getTime() / 900_000);
      perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
    }
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(100);

    // Newest first: the runs fetched first are more recent than those fetched last.
    const detailOrder = fake.requests.filter((r) => r.route === 'detail').map((r) => r.path.split('/').pop()!);
    const position = new Map(ids.map((id, i) => [id, i])); // ids are newest first
    const firstAge = detailOrder.slice(0, 50).reduce((s, id) => s + position.get(id)!, 0) / 50;
    const lastAge = detailOrder.slice(-50).reduce((s, id) => s + position.get(id)!, 0) / 50;
    expect(firstAge).toBeLessThan(lastAge / 4);

    console.log(
      `strava backfill: ${COUNT} activities, ${runIds.size} runs; requests: ${fake.requests.length} (list ${fake.count('list')}, detail ${fake.count('detail')}, streams ${fake.count('streams')}), 429s 0; clock advanced ${advances} windows`,
    );
  });
});
