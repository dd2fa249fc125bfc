/**
 * An upload whose job was lost (stored, but the enqueue never reached Redis, or Redis lost it) is
 * parsed anyway: `kinetic worker` queues every upload still `queued` or `processing` when it starts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { storeFitUpload } from '../../src/services/fit-import.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { captureLogger, createTestQueues, waitFor, type TestQueues } from '../support/queues.ts';
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
  await q.cleanup();
  await t.drop();
});

it('a worker starting up queues the uploads nobody queued, and each is parsed once', async () => {
  const athleteId = (await createAthlete(t.db, { name: 'Lu', email: null, sex: 'f', max_hr: 182, resting_hr: 50, lthr: null, threshold_speed_mps: null, timezone: 'UTC' })).id;
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const bytes = encodeRun({ startTime: new Date(Date.UTC(2026, 4, 4 + i, 7)), serialNumber: 3_900_200_000 + i, laps: [{ durationS: 1200, distanceM: 4000, avgHr: 145 }] });
    ids.push((await storeFitUpload(t.db, { athleteId, filename: `lost-${i}.fit`, bytes })).upload.id);
  }
  // One was being parsed when its worker died: left `processing`.
  await t.db.updateTable('uploads').set({ status: 'processing' }).where('id', '=', ids[2]!).execute();

  worker = startWorker({ DATABASE_URL: t.url!, ...q.env, LOG_LEVEL: 'info' }, ['--queues', 'fit-ingest,analysis']);
  await waitFor(
    'every stored upload imported',
    async () => (await t.db.selectFrom('uploads').select('status').where('id', 'in', ids).execute()).every((u) => u.status === 'imported'),
    90_000,
  );
  expect(worker.lines.find((l) => l.msg === 'unparsed uploads queued (again)')?.uploads).toBe(3);
  const activities = await t.db.selectFrom('activities').select('id').where('athlete_id', '=', athleteId).execute();
  expect(activities).toHaveLength(3);

  worker.child.kill('SIGTERM');
  expect((await worker.exit).code).toBe(0);
});
