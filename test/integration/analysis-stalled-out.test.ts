/**
 * Issue #17 item 6, a failure no handler sees: a re-analysis job whose workers die running it (killed,
 * out of memory) is handed on MAX_STALLED_COUNT times, then BullMQ fails it without running it again.
 * Its handler's failure path never runs, so the worker's `onStalledOut` (src/workers/handlers.ts:
 * STALLED_OUT) records the re-analysis as failed, instead of `reanalysing` for ever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { MAX_STALLED_COUNT, registerWorker, type RegisteredWorker } from '../../src/jobs/bullmq.ts';
import { analysisStatus, requestReanalysis } from '../../src/services/reanalysis.ts';
import { HANDLERS, stalledOutFor } from '../../src/workers/handlers.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { NO_FIT_FILES } from '../support/decoding.ts';
import { captureLogger, createTestQueues, waitFor, type TestQueues } from '../support/queues.ts';

describe('a re-analysis whose workers kept dying (BullMQ on Redis)', () => {
  let t: TestDb;
  let q: TestQueues;
  let worker: RegisteredWorker | undefined;

  beforeAll(async () => {
    t = await createTestDb('pglite');
    q = createTestQueues(captureLogger().log);
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    await q?.cleanup();
    await t?.drop();
  });

  it('is recorded failed, saying why, once BullMQ gives up on it without running it', { timeout: 60_000 }, async () => {
    const { id: athleteId } = await createAthlete(t.db, { name: 'Kept dying', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'UTC' });
    await t.db.transaction().execute((trx) => requestReanalysis(trx, athleteId, { first: '2026-W01', last: '2026-W04' }, new Date()));
    await q.queues.enqueue('analysis', { athleteId, history: true });
    const queue = await q.queues.ready('analysis');
    const [job] = await queue.getJobs(['waiting']);
    // What BullMQ's stalled-job check leaves on a job handed on more than MAX_STALLED_COUNT times
    // (moveStalledJobsToWait): a deferred failure, carried out by the next worker that takes the job.
    const client = await queue.getBackend().client;
    await client.hset(queue.toKey(job!.id!), { defa: 'job stalled more than allowable limit' });
    expect((await analysisStatus(t.db, athleteId)).status).toBe('reanalysing');

    let ran = 0;
    const { log } = captureLogger();
    worker = registerWorker(
      'analysis',
      { db: t.db, log, now: () => new Date(), queue: q.queues, decodePool: NO_FIT_FILES },
      {
        queues: q.queues,
        handler: (payload, deps) => {
          ran++;
          return HANDLERS.analysis(payload, deps);
        },
        onStalledOut: stalledOutFor('analysis'),
        closeOn: [],
      },
    );
    await waitFor('the re-analysis recorded failed', async () => (await analysisStatus(t.db, athleteId)).status === 'failed', 30_000);
    const status = await analysisStatus(t.db, athleteId);
    expect(status.error).toContain(`the weeks from 2026-W01 to 2026-W04 could not be analysed with the new settings`);
    expect(status.error).toContain(`its worker stopped while running it (killed or out of memory) more than ${MAX_STALLED_COUNT} times`);
    expect(ran).toBe(0);
    const [failed] = await q.queues.failed('analysis');
    expect(failed?.error).toBe('job stalled more than allowable limit');
  });
});
