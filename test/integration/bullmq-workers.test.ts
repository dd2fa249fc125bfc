/**
 * Two `kinetic worker` processes on one Postgres and one queue store share 20 uploads: every upload is
 * imported by exactly one job, no activity is written twice, the weeks are analysed, and both
 * processes close gracefully on SIGTERM with exit code 0. On both BullMQ backends: Redis, and
 * BullMQ's PostgreSQL backend (`KINETIC_QUEUE_BACKEND=postgres`, no Redis at all).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { storeFitUpload } from '../../src/services/fit-import.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { captureLogger, createTestQueues, QUEUE_BACKENDS, waitFor, type TestQueues } from '../support/queues.ts';
import { startWorker, type WorkerProcess } from '../support/workers.ts';

describe.each(QUEUE_BACKENDS)('two worker processes on %s', (backend) => {
  let t: TestDb;
  let q: TestQueues;
  let athleteId: string;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    t = await createTestDb('postgres');
    q = createTestQueues(captureLogger().log, { backend, databaseUrl: t.url });
    athleteId = (await createAthlete(t.db, { name: 'Bo', email: null, sex: 'm', max_hr: 185, resting_hr: 48, lthr: null, threshold_speed_mps: null, timezone: 'Europe/Berlin' })).id;
  });
  afterAll(async () => {
    for (const w of workers) if (w.alive()) w.child.kill('SIGKILL');
    await q.cleanup();
    await t.drop();
  });

  it('process 20 uploads exactly once, then exit 0 on SIGTERM', async () => {
    const env = { DATABASE_URL: t.url!, ...q.env, LOG_LEVEL: 'info' };
    workers = [startWorker(env, ['--concurrency', '2']), startWorker(env, ['--concurrency', '2'])];
    // Generous: a `kinetic worker` process starts in seconds, but in a minute on a loaded CI machine.
    await waitFor('both workers to start', () => workers.every((w) => w.lines.some((l) => l.msg === 'worker started')), 90_000);

    const uploadIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const bytes = encodeRun({
        startTime: new Date(Date.UTC(2026, 2, 2 + i, 6, 30)),
        serialNumber: 3_900_100_000 + i,
        laps: [{ durationS: 900 + 30 * i, distanceM: 3000 + 100 * i, avgHr: 140 + (i % 10) }],
      });
      const { upload } = await storeFitUpload(t.db, { athleteId, filename: `run-${i}.fit`, bytes });
      uploadIds.push(upload.id);
      await q.queues.enqueue('fit-ingest', { uploadId: upload.id });
    }

    await waitFor(
      'every upload imported and the queues idle',
      async () => {
        const uploads = await t.db.selectFrom('uploads').select('status').where('athlete_id', '=', athleteId).execute();
        if (uploads.length !== 20 || uploads.some((u) => u.status !== 'imported')) return false;
        const counts = await q.queues.counts();
        return Object.values(counts).every((c) => c.waiting + c.active + c.delayed === 0);
      },
      60_000,
    );

    const activities = await t.db.selectFrom('activities').select(['id', 'source_id']).where('athlete_id', '=', athleteId).execute();
    expect(activities).toHaveLength(20);
    expect(new Set(activities.map((a) => a.source_id)).size).toBe(20);
    const links = await t.db.selectFrom('upload_activities').select('upload_id').where('upload_id', 'in', uploadIds).execute();
    expect(links).toHaveLength(20);

    // Exactly once: 20 completed ingest jobs across both processes, one per upload, none failed.
    const all = workers.flatMap((w) => w.lines);
    const ingested = all.filter((l) => l.msg === 'job completed' && l.queue === 'fit-ingest');
    expect(ingested).toHaveLength(20);
    expect(new Set(ingested.map((l) => l.jobId))).toEqual(new Set(uploadIds.map((id) => `fit-ingest-${id}`)));
    expect(all.filter((l) => l.level >= 50)).toEqual([]);
    const counts = await q.queues.counts();
    expect(counts['fit-ingest'].failed + counts.analysis.failed).toBe(0);
    // 2026-03-02 … 03-21 are ISO weeks 10, 11 and 12: each analysed, at least once.
    const weeks = await t.db.selectFrom('week_compliance').select('iso_week').where('athlete_id', '=', athleteId).orderBy('iso_week').execute();
    expect(weeks.map((w) => w.iso_week)).toEqual(['2026-W10', '2026-W11', '2026-W12']);

    for (const w of workers) w.child.kill('SIGTERM');
    expect((await Promise.all(workers.map((w) => w.exit))).map((e) => e.code)).toEqual([0, 0]);
    for (const w of workers) expect(w.lines.some((l) => l.msg === 'worker stopped')).toBe(true);
  }, 240_000);
});
