/**
 * Work accepted is done even when Redis loses it while the workers keep running (issue 21, docs/jobs.md
 * "Reconciliation"): uploads stored and queued, then every queue key wiped (as a Redis restarted
 * without persistence leaves them) — the `reconcile` job scheduler, re-created by the running worker,
 * queues them again and they are parsed, without restarting anything. An upload whose job is in the
 * failed set is marked failed by the same pass, and weeks whose analysis was lost are analysed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { weeksBehindTheirActivities } from '../../src/db/repositories/analysis.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { registerWorker } from '../../src/jobs/bullmq.ts';
import { PermanentJobError } from '../../src/jobs/queues.ts';
import { storeFitUpload } from '../../src/services/fit-import.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { captureLogger, createTestQueues, deleteKeys, waitFor, type TestQueues } from '../support/queues.ts';
import { startWorker, type WorkerProcess } from '../support/workers.ts';

let t: TestDb;
let q: TestQueues;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  t = await createTestDb('postgres');
  q = createTestQueues(captureLogger().log);
});
afterAll(async () => {
  if (worker?.alive() === true) worker.child.kill('SIGKILL');
  await worker?.exit;
  await q.cleanup();
  await t.drop();
});

it('uploads whose jobs Redis lost while the worker runs are queued again by the reconcile scheduler and parsed; a job failed for good fails its upload', async () => {
  const { log } = captureLogger();
  const athleteId = (await createAthlete(t.db, { name: 'Rey', email: null, sex: 'm', max_hr: 186, resting_hr: 48, lthr: null, threshold_speed_mps: null, timezone: 'UTC' })).id;
  const store = async (i: number): Promise<string> => {
    const bytes = encodeRun({ startTime: new Date(Date.UTC(2026, 5, 1 + i, 7)), serialNumber: 3_970_000_000 + i, laps: [{ durationS: 1200, distanceM: 4000, avgHr: 145 }] });
    return (await storeFitUpload(t.db, { athleteId, filename: `r-${i}.fit`, bytes })).upload.id;
  };

  // One upload whose job failed for good while its row says `processing` (its worker died before it could say more).
  const doomed = await store(99);
  const failing = registerWorker('fit-ingest', { log, queue: q.queues }, { queues: q.queues, closeOn: [], handler: () => Promise.reject(new PermanentJobError('the decoder broke')) });
  await q.queues.enqueue('fit-ingest', { uploadId: doomed });
  await waitFor('the job to fail', async () => (await q.queues.failed('fit-ingest')).length === 1, 30_000);
  await failing.close();
  await t.db.updateTable('uploads').set({ status: 'processing' }).where('id', '=', doomed).execute();

  worker = startWorker({ DATABASE_URL: t.url!, ...q.env, LOG_LEVEL: 'info', KINETIC_RECONCILE_INTERVAL_MS: '2000' }, ['--concurrency', '2']);
  await waitFor('the worker to start', () => worker!.lines.some((l) => l.msg === 'worker started'), 150_000);
  // Its start-up pass marked the upload of the failed job failed, with that job's error.
  const row = await t.db.selectFrom('uploads').select(['status', 'error']).where('id', '=', doomed).executeTakeFirstOrThrow();
  expect(row).toEqual({ status: 'failed', error: expect.stringMatching(/^Kinetic could not save this file's activities after 1 attempt \(.*the decoder broke\); the file is kept/) as unknown });
  expect(worker.lines.some((l) => l.msg === 'reconcile scheduled' && l.was === 'missing')).toBe(true);

  // Accepted uploads whose jobs are lost: queued while the queue is paused, then every key wiped.
  await q.queues.queue('fit-ingest').pause();
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) {
    ids.push(await store(i));
    await q.queues.enqueue('fit-ingest', { uploadId: ids.at(-1)! });
  }
  expect((await q.queues.counts(['fit-ingest']))['fit-ingest'].paused).toBe(8);
  const wiped = await deleteKeys(q.redisUrl, `${q.prefix}:*`);
  expect(wiped).toBeGreaterThan(8);
  expect((await q.queues.counts(['fit-ingest']))['fit-ingest']).toMatchObject({ waiting: 0, paused: 0, active: 0 });

  await waitFor(
    'every lost upload parsed',
    async () => (await t.db.selectFrom('uploads').select('status').where('id', 'in', ids).execute()).every((u) => u.status === 'imported'),
    90_000,
  );
  expect(worker.alive()).toBe(true);
  // The worker found its scheduler gone and made it again, and a pass queued the lost uploads.
  expect(worker.lines.filter((l) => l.msg === 'reconcile scheduled' && l.was === 'missing')).toHaveLength(2);
  const passes = worker.lines.filter((l) => l.msg === 'reconciled: uploads left behind queued again or marked failed');
  // (At least: a pass may also queue again an upload whose job finished between its two reads: harmless.)
  expect(passes.reduce((n, l) => n + Number(l.requeued), 0)).toBeGreaterThanOrEqual(8);
  expect(await t.db.selectFrom('activities').select('id').where('athlete_id', '=', athleteId).execute()).toHaveLength(8);

  // Analyses lost the same way: the weeks' documents gone (as if their jobs had been), the next pass
  // queues the weeks again, and once analysed none is behind its activities.
  const weeks = async (): Promise<string[]> => (await t.db.selectFrom('week_compliance').select('iso_week').where('athlete_id', '=', athleteId).orderBy('iso_week').execute()).map((w) => w.iso_week);
  await waitFor('the weeks analysed', async () => (await weeks()).length === 2, 60_000);
  await t.db.deleteFrom('week_compliance').where('athlete_id', '=', athleteId).execute();
  await waitFor('the weeks analysed again', async () => (await weeks()).length === 2, 60_000);
  expect(await weeks()).toEqual(['2026-W23', '2026-W24']);
  expect(worker.lines.some((l) => l.msg === 'reconciled: weeks not analysed since their activities queued for analysis')).toBe(true);
  expect(await weeksBehindTheirActivities(t.db, new Date(Date.now() - 3600_000))).toEqual([]);

  worker.child.kill('SIGTERM');
  expect((await worker.exit).code).toBe(0);
}, 300_000);
