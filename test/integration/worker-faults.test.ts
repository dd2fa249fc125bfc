/**
 * Crash safety of the BullMQ runner with real `kinetic worker` processes, real Postgres and Redis
 * (docs/jobs.md, "Crash safety"):
 * - workers SIGKILLed in the middle of ingest jobs, several times: BullMQ's stalled-job check hands
 *   their jobs to the other workers, and in the end every upload is parsed, no activity is written
 *   twice or half, no job is left active, waiting or failed (on Redis, and on BullMQ's PostgreSQL
 *   backend);
 * - Redis stopped and started again mid-run (with its append-only file, as production needs): the
 *   workers reconnect and every upload is still parsed exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { storeFitUpload } from '../../src/services/fit-import.ts';
import { isoWeekOf } from '../../src/domain/iso-week.ts';
import { encodeRun, encodeStrength, expectedRun, expectedStrength, type SynthRun, type SynthStrength } from '../../src/synth/fit.ts';
import { BullQueues } from '../../src/jobs/bullmq.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { captureLogger, createTestQueues, QUEUE_BACKENDS, testPrefix, waitFor, type LogLine } from '../support/queues.ts';
import { startRedisServer } from '../support/redis-server.ts';
import { startWorker, type WorkerProcess } from '../support/workers.ts';

/**
 * Short locks so a killed worker's jobs are handed on within 5–10 s (production: 30 s). Not shorter: a
 * FIT decode blocks the event loop for a few hundred ms on a loaded machine, and a renewal that comes
 * after the lock expired hands a job that is still running to a second worker (harmless, the handlers
 * are idempotent, but it logs errors this test counts).
 */
const WORKER_ARGS = ['--concurrency', '2', '--lock-duration', '5000'];

interface UploadSpec {
  filename: string;
  bytes: Uint8Array;
  /** Activities with the same identity (FIT serial number + start) are one activity. */
  identity: string;
  localDate: string;
  laps: number;
  sets: number;
  samples: number;
}

/**
 * `distinct` generated recordings (every fifth a strength session, the rest 25–40 minute runs at 1 Hz,
 * so an ingest job takes long enough to be killed in the middle), one a day from `firstDay`, plus
 * `duplicates` re-exports of the first runs: other bytes, the same recording.
 */
function makeUploads(serialBase: number, firstDay: Date, distinct: number, duplicates: number): UploadSpec[] {
  const specs: UploadSpec[] = [];
  const runs: SynthRun[] = [];
  for (let i = 0; i < distinct; i++) {
    const startTime = new Date(firstDay.getTime() + i * 86_400_000 + 6.5 * 3_600_000);
    const serialNumber = serialBase + i;
    const localDate = startTime.toISOString().slice(0, 10);
    if (i % 5 === 4) {
      const s: SynthStrength = {
        startTime,
        serialNumber,
        avgHr: 105 + i,
        sets: [
          { category: 'squat', reps: 8, weightKg: 60 + i, durationS: 40, restS: 90 },
          { category: 'deadlift', reps: 5, weightKg: 80, durationS: 30, restS: 120 },
          { category: 'lunge', reps: 10, weightKg: 20, durationS: 45, restS: 0 },
        ],
      };
      const e = expectedStrength(s).sessions[0]!;
      specs.push({ filename: `strength-${i}.fit`, bytes: encodeStrength(s), identity: `${serialNumber}-${startTime.getTime()}`, localDate, laps: e.laps.length, sets: e.sets.length, samples: e.streams.t.length });
    } else {
      const run: SynthRun = {
        startTime,
        serialNumber,
        laps: [
          { durationS: 600 + 20 * i, distanceM: 2000 + 50 * i, avgHr: 135 + (i % 7) },
          { durationS: 900, distanceM: 3100, avgHr: 150 },
        ],
      };
      runs.push(run);
      const e = expectedRun(run).sessions[0]!;
      specs.push({ filename: `run-${i}.fit`, bytes: encodeRun(run), identity: `${serialNumber}-${startTime.getTime()}`, localDate, laps: e.laps.length, sets: e.sets.length, samples: e.streams.t.length });
    }
  }
  for (let d = 0; d < duplicates; d++) {
    const original = runs[d]!;
    // The same recording exported again: other heart rates, so other bytes (another upload).
    const copy: SynthRun = { ...original, laps: original.laps.map((l) => ({ ...l, avgHr: l.avgHr + 3 })) };
    const first = specs.find((s) => s.identity === `${original.serialNumber}-${original.startTime.getTime()}`)!;
    specs.push({ ...first, filename: `copy-of-${first.filename}`, bytes: encodeRun(copy) });
  }
  return specs;
}

/**
 * The end state every fault test demands: each upload imported or (a second export of the same
 * recording) duplicate, one activity per recording with all its laps, sets and samples, one link per
 * upload, every week analysed, and no job left active, waiting, delayed or failed.
 */
async function expectParsedExactlyOnce(t: TestDb, queues: BullQueues, athleteId: string, specs: UploadSpec[]): Promise<void> {
  const uploads = await t.db.selectFrom('uploads').select(['id', 'filename', 'status', 'error']).where('athlete_id', '=', athleteId).execute();
  expect(uploads).toHaveLength(specs.length);
  const byIdentity = new Map<string, string[]>();
  for (const u of uploads) {
    const spec = specs.find((s) => s.filename === u.filename)!;
    byIdentity.set(spec.identity, [...(byIdentity.get(spec.identity) ?? []), u.status]);
  }
  // One upload of each recording imported it; every other export of it is a duplicate.
  for (const statuses of byIdentity.values()) expect(statuses.sort()).toEqual([...statuses.slice(1).map(() => 'duplicate'), 'imported']);

  const activities = await t.db
    .selectFrom('activities as a')
    .select((eb) => [
      'a.id',
      'a.source_id',
      'a.local_date',
      eb.selectFrom('laps').whereRef('laps.activity_id', '=', 'a.id').select(eb.fn.countAll<string>().as('n')).as('laps'),
      eb.selectFrom('strength_sets as s').whereRef('s.activity_id', '=', 'a.id').select(eb.fn.countAll<string>().as('n')).as('sets'),
      eb.selectFrom('activity_streams as st').whereRef('st.activity_id', '=', 'a.id').select('st.sample_count').as('samples'),
      eb.selectFrom('upload_activities as ua').whereRef('ua.activity_id', '=', 'a.id').select(eb.fn.countAll<string>().as('n')).as('links'),
    ])
    .where('a.athlete_id', '=', athleteId)
    .execute();
  expect(activities).toHaveLength(byIdentity.size);
  expect(new Set(activities.map((a) => a.source_id)).size).toBe(byIdentity.size);
  // No half-written activity: each has exactly the laps, sets and samples of its file.
  const found = activities.map((a) => ({ date: a.local_date, laps: Number(a.laps), sets: Number(a.sets), samples: Number(a.samples), links: Number(a.links) }));
  const expected = [...byIdentity.keys()].map((identity) => {
    const s = specs.find((x) => x.identity === identity)!;
    return { date: s.localDate, laps: s.laps, sets: s.sets, samples: s.samples, links: specs.filter((x) => x.identity === identity).length };
  });
  const order = (a: { date: string }, b: { date: string }): number => a.date.localeCompare(b.date);
  expect(found.sort(order)).toEqual(expected.sort(order));

  const weeks = await t.db.selectFrom('week_compliance').select('iso_week').where('athlete_id', '=', athleteId).orderBy('iso_week').execute();
  expect(weeks.map((w) => w.iso_week)).toEqual([...new Set(specs.map((s) => isoWeekOf(s.localDate)))].sort());

  const counts = await queues.counts();
  for (const c of Object.values(counts)) expect(c).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0, paused: 0 });
}

async function allSettled(t: TestDb, queues: BullQueues, athleteId: string, n: number): Promise<boolean> {
  const uploads = await t.db.selectFrom('uploads').select('status').where('athlete_id', '=', athleteId).execute();
  if (uploads.length !== n || uploads.some((u) => u.status !== 'imported' && u.status !== 'duplicate' && u.status !== 'failed')) return false;
  const counts = await queues.counts();
  return Object.values(counts).every((c) => c.waiting + c.active + c.delayed === 0);
}

async function newAthlete(t: TestDb, name: string): Promise<string> {
  const a = await createAthlete(t.db, { name, email: null, sex: 'f', max_hr: 188, resting_hr: 47, lthr: null, threshold_speed_mps: null, timezone: 'Europe/Berlin' });
  return a.id;
}

const errorsOf = (lines: LogLine[]): LogLine[] => lines.filter((l) => l.level >= 50);

describe('worker faults', () => {
  let t: TestDb;
  const started: WorkerProcess[] = [];
  const spawnWorker = (env: Record<string, string>): WorkerProcess => {
    const w = startWorker(env, WORKER_ARGS);
    started.push(w);
    return w;
  };

  beforeAll(async () => {
    t = await createTestDb('postgres');
  });
  afterAll(async () => {
    for (const w of started) if (w.alive()) w.child.kill('SIGKILL');
    await Promise.all(started.map((w) => w.exit));
    await t.drop();
  });

  it.each(QUEUE_BACKENDS)('SIGKILLed workers mid-ingest (%s): every upload parsed, no activity duplicated or half-written, no job lost', async (backend) => {
    const athleteId = await newAthlete(t, `Kai on ${backend}`);
    const specs = makeUploads(backend === 'redis' ? 3_910_000_000 : 3_930_000_000, new Date('2026-03-02T00:00:00Z'), 36, 4);
    const q = createTestQueues(captureLogger().log, { backend, databaseUrl: t.url });
    const env = { DATABASE_URL: t.url!, ...q.env, LOG_LEVEL: 'debug' };
    try {
      let pool = [spawnWorker(env), spawnWorker(env)];
      await waitFor('both workers to start', () => pool.every((w) => w.lines.some((l) => l.msg === 'worker started')), 150_000);

      /** Each SIGKILL: the worker, and the ingest job it had just started (so was surely running). */
      const kills: { pid: number; jobId: string }[] = [];
      const batches = 4;
      const perBatch = Math.ceil(specs.length / batches);
      for (let b = 0; b < batches; b++) {
        // SIGKILL the first worker that starts an ingest job of this batch, in the middle of it (when
        // both were killed, that is a replacement: they take up to a minute to start on a loaded machine).
        const victim = new Promise<{ worker: WorkerProcess; jobId: string }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no worker started an ingest job in batch ${b}`)), 150_000);
          const unsubscribe = pool.map((w) =>
            w.onLine((l) => {
              if (l.msg !== 'job started' || l.queue !== 'fit-ingest' || !w.alive()) return;
              w.child.kill('SIGKILL');
              clearTimeout(timer);
              for (const u of unsubscribe) u();
              resolve({ worker: w, jobId: String(l.jobId) });
            }),
          );
        });
        for (const spec of specs.slice(b * perBatch, (b + 1) * perBatch)) {
          const { upload } = await storeFitUpload(t.db, { athleteId, filename: spec.filename, bytes: spec.bytes });
          await q.queues.enqueue('fit-ingest', { uploadId: upload.id });
        }
        const { worker: killed, jobId } = await victim;
        expect(await killed.exit).toEqual({ code: null, signal: 'SIGKILL' });
        kills.push({ pid: killed.pid, jobId });
        pool = [...pool.filter((w) => w !== killed), spawnWorker(env)];
      }

      await waitFor('every upload parsed and the queues idle', () => allSettled(t, q.queues, athleteId, specs.length), 180_000);
      await expectParsedExactlyOnce(t, q.queues, athleteId, specs);

      // Each job a kill interrupted was handed on by another worker's stalled-job check (and its upload
      // parsed, above). Which worker finished it is not asserted from the logs: a worker killed right
      // after BullMQ recorded a completion has not written its `job completed` line yet.
      expect(kills).toHaveLength(batches);
      const stalled = new Set(started.flatMap((w) => w.lines.filter((l) => l.msg.startsWith('job stalled')).map((l) => String(l.jobId))));
      for (const k of kills) expect(stalled).toContain(k.jobId);

      // The survivors logged no errors and close gracefully.
      const alive = started.filter((w) => w.alive());
      expect(alive).toHaveLength(2);
      expect(alive.flatMap((w) => errorsOf(w.lines))).toEqual([]);
      for (const w of alive) w.child.kill('SIGTERM');
      expect(await Promise.all(alive.map((w) => w.exit))).toEqual([
        { code: 0, signal: null },
        { code: 0, signal: null },
      ]);
    } finally {
      await q.cleanup();
    }
  }, 900_000);

  it('a Redis restart mid-run (append-only file) is survived: the workers reconnect and every upload is parsed exactly once', async () => {
    const athleteId = await newAthlete(t, 'Ola');
    const specs = makeUploads(3_920_000_000, new Date('2026-05-04T00:00:00Z'), 36, 4);
    const redis = await startRedisServer({ appendOnly: true });
    const prefix = testPrefix();
    const queues = new BullQueues({ redisUrl: redis.url, prefix, log: captureLogger().log, backoffScale: 0.01 });
    const env = { DATABASE_URL: t.url!, REDIS_URL: redis.url, KINETIC_QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
    try {
      const pool = [spawnWorker(env), spawnWorker(env)];
      await waitFor('both workers to start', () => pool.every((w) => w.lines.some((l) => l.msg === 'worker started')), 150_000);

      const half = specs.length / 2;
      for (const spec of specs.slice(0, half)) {
        const { upload } = await storeFitUpload(t.db, { athleteId, filename: spec.filename, bytes: spec.bytes });
        await queues.enqueue('fit-ingest', { uploadId: upload.id });
      }
      const done = async (): Promise<number> =>
        (await t.db.selectFrom('uploads').select('status').where('athlete_id', '=', athleteId).execute()).filter((u) => u.status !== 'queued').length;
      await waitFor('the first uploads to be parsed', async () => (await done()) >= 3, 60_000);

      // Stop Redis in the middle of the run (SIGTERM: it flushes its append-only file), then start it again.
      await redis.stop();
      const parsedWhenStopped = await done();
      expect(parsedWhenStopped).toBeLessThan(half);
      await new Promise((r) => setTimeout(r, 3000));
      expect(pool.every((w) => w.alive())).toBe(true);
      await redis.start();

      for (const spec of specs.slice(half)) {
        const { upload } = await storeFitUpload(t.db, { athleteId, filename: spec.filename, bytes: spec.bytes });
        await queues.enqueue('fit-ingest', { uploadId: upload.id });
      }
      await waitFor('every upload parsed and the queues idle', () => allSettled(t, queues, athleteId, specs.length), 180_000);
      await expectParsedExactlyOnce(t, queues, athleteId, specs);

      // The workers noticed the outage, stayed up, and close gracefully.
      expect(pool.every((w) => w.alive())).toBe(true);
      expect(pool.flatMap((w) => w.lines).some((l) => l.msg === 'worker error')).toBe(true);
      for (const w of pool) w.child.kill('SIGTERM');
      expect(await Promise.all(pool.map((w) => w.exit))).toEqual([
        { code: 0, signal: null },
        { code: 0, signal: null },
      ]);
    } finally {
      await queues.obliterate().catch(() => undefined);
      await queues.close();
      await redis.destroy();
    }
  }, 900_000);
});
