/**
 * The BullMQ runner against the real Redis and Postgres of the harness: idempotent enqueueing, a
 * stored upload processed by a worker (and its week analysed), retries of a transient failure,
 * permanent failures kept and re-queued by `kinetic queues retry-failed`, a graceful close, and CLI
 * commands that queue onto BullMQ instead of running the jobs themselves. Each test runs on both
 * BullMQ backends: Redis, and BullMQ's PostgreSQL backend (`KINETIC_QUEUE_BACKEND=postgres`).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { getUpload } from '../../src/db/repositories/uploads.ts';
import { storeFitUpload } from '../../src/services/fit-import.ts';
import { isoWeekOf } from '../../src/domain/iso-week.ts';
import { registerWorker, type RegisteredWorker } from '../../src/jobs/bullmq.ts';
import type { JobDeps } from '../../src/workers/deps.ts';
import { LazyDecodePool } from '../../src/workers/decoder.ts';
import { HANDLERS } from '../../src/workers/handlers.ts';
import { PermanentJobError } from '../../src/jobs/queues.ts';
import { runCli } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { fixture, FIXTURE_DIR } from '../support/fixtures.ts';
import { captureLogger, createTestQueues, QUEUE_BACKENDS, waitFor, type LogLine, type TestQueues } from '../support/queues.ts';

const now = (): Date => new Date('2026-11-26T12:00:00Z');

describe.each(QUEUE_BACKENDS)('BullMQ job runner on %s', (backend) => {
  let t: TestDb;
  let athleteId: string;
  let q: TestQueues;
  let lines: LogLine[];
  let deps: JobDeps;
  let workers: RegisteredWorker[] = [];
  const decodePool = new LazyDecodePool();

  beforeAll(async () => {
    t = await createTestDb('postgres');
    athleteId = (await createAthlete(t.db, { name: 'Ada', email: null, sex: 'f', max_hr: 190, resting_hr: 50, lthr: null, threshold_speed_mps: null, timezone: 'America/New_York' })).id;
  });
  afterAll(async () => {
    await decodePool.close();
    await t.drop();
  });
  beforeEach(async () => {
    const captured = captureLogger();
    lines = captured.lines;
    q = createTestQueues(captured.log, { backend, databaseUrl: t.url });
    await q.queues.prepare();
    deps = { db: t.db, log: captured.log, now, queue: q.queues, decodePool };
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.close()));
    workers = [];
    await q.cleanup();
  });

  const cliEnv = (): Record<string, string> => ({ DATABASE_URL: t.url!, ...q.env });
  const logged = (msg: string, queue?: string): LogLine[] => lines.filter((l) => l.msg === msg && (queue === undefined || l.queue === queue));

  it('enqueues the same payload once', async () => {
    const uploadId = randomUUID();
    await q.queues.enqueue('fit-ingest', { uploadId });
    await q.queues.enqueue('fit-ingest', { uploadId });
    await q.queues.enqueue('analysis', { athleteId, isoWeek: '2026-W10' });
    await q.queues.enqueue('analysis', { athleteId, isoWeek: '2026-W10' });
    await q.queues.enqueue('analysis', { athleteId, isoWeek: '2026-W11' });
    const counts = await q.queues.counts();
    expect(counts['fit-ingest'].waiting).toBe(1);
    expect(counts.analysis.waiting).toBe(2);
    const [job] = await q.queues.queue('fit-ingest').getWaiting();
    expect(job?.id).toBe(`fit-ingest-${uploadId}`);
    expect(job?.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', jitter: 0.5 } });
    await expect(q.queues.enqueue('fit-ingest', { uploadId: 'not-a-uuid' })).rejects.toThrow(/uploadId/);
  });

  it('processes a stored upload with a worker, then analyses its week', async () => {
    const { upload } = await storeFitUpload(t.db, { athleteId, filename: 'fr110.fit', bytes: fixture('run-garmin-fr110-hr.fit') });
    await q.queues.enqueue('fit-ingest', { uploadId: upload.id });
    workers.push(registerWorker('fit-ingest', deps, { queues: q.queues, handler: HANDLERS['fit-ingest'], concurrency: 2, closeOn: [] }));
    workers.push(registerWorker('analysis', deps, { queues: q.queues, handler: HANDLERS.analysis, concurrency: 2, closeOn: [] }));

    await waitFor('the analysis job', () => logged('job completed', 'analysis').length === 1);
    expect((await getUpload(t.db, upload.id))?.status).toBe('imported');
    const activity = await t.db.selectFrom('activities').select('local_date').where('athlete_id', '=', athleteId).executeTakeFirstOrThrow();
    const week = await t.db
      .selectFrom('week_compliance')
      .select(['iso_week', 'actual_distance_m'])
      .where('athlete_id', '=', athleteId)
      .where('iso_week', '=', isoWeekOf(activity.local_date))
      .executeTakeFirst();
    expect(week?.actual_distance_m).toBeCloseTo(4835.38, 1);

    const ingest = logged('job completed', 'fit-ingest');
    expect(ingest).toHaveLength(1);
    expect(ingest[0]).toMatchObject({ jobId: `fit-ingest-${upload.id}`, attempts: 1, result: { status: 'imported' } });
    expect(typeof ingest[0]?.ms).toBe('number');
    // The handler's logger names the job and, when the payload has one, the athlete.
    expect(logged('job started', 'analysis')[0]).toMatchObject({ athleteId, jobId: expect.any(String) as unknown });
    // Completed ingest jobs are removed (the upload can be queued again); analysis keeps recent ones.
    const counts = await q.queues.counts();
    expect(counts['fit-ingest']).toMatchObject({ completed: 0, failed: 0 });
    expect(counts.analysis).toMatchObject({ completed: 1, failed: 0 });
  });

  it('retries a transient failure with backoff, then succeeds', async () => {
    let calls = 0;
    workers.push(
      registerWorker('analysis', deps, {
        queues: q.queues,
        closeOn: [],
        handler: () => {
          calls++;
          if (calls < 3) return Promise.reject(new Error('connection terminated unexpectedly'));
          return Promise.resolve({ score: null });
        },
      }),
    );
    await q.queues.enqueue('analysis', { athleteId, isoWeek: '2026-W12' });
    await waitFor('the third attempt', () => logged('job completed', 'analysis').length === 1);
    expect(calls).toBe(3);
    // Each attempt's 'failed' event is logged when BullMQ has moved that job: on a loaded machine the
    // second can be written before the first.
    const retries = logged('job failed, retrying', 'analysis');
    expect(retries.map((l) => l.attempt).sort()).toEqual([1, 2]);
    expect(retries[0]).toMatchObject({ err: 'connection terminated unexpectedly', retryInMs: expect.any(Number) as unknown });
    expect(logged('job completed', 'analysis')[0]).toMatchObject({ attempts: 3 });
    expect((await q.queues.counts()).analysis.failed).toBe(0);
  });

  it('fails permanent errors at once, keeps them, and retry-failed queues them again', async () => {
    const missing = randomUUID();
    await q.queues.enqueue('fit-ingest', { uploadId: missing });
    // An invalid payload cannot be enqueued through BullQueues: add it as an outdated producer would.
    await q.queues.queue('fit-ingest').add('fit-ingest', { uploadId: 'not-a-uuid' }, { jobId: 'fit-ingest-bad', attempts: 5 });
    workers.push(registerWorker('fit-ingest', deps, { queues: q.queues, handler: HANDLERS['fit-ingest'], closeOn: [] }));
    workers.push(
      registerWorker('analysis', deps, {
        queues: q.queues,
        closeOn: [],
        handler: () => Promise.reject(new PermanentJobError('athlete deleted')),
      }),
    );
    await q.queues.enqueue('analysis', { athleteId, isoWeek: '2026-W13' });
    await waitFor('three failed jobs', async () => {
      const c = await q.queues.counts();
      return c['fit-ingest'].failed === 2 && c.analysis.failed === 1;
    });
    await Promise.all(workers.map((w) => w.close()));

    const failed = await q.queues.failed('fit-ingest');
    expect(failed).toHaveLength(2);
    expect(failed.every((f) => f.attempts === 1)).toBe(true);
    const byId = new Map(failed.map((f) => [f.jobId, f]));
    expect(byId.get(`fit-ingest-${missing}`)).toMatchObject({ payload: { uploadId: missing }, error: `PermanentJobError: upload ${missing} not found` });
    expect(byId.get('fit-ingest-bad')).toMatchObject({ payload: { uploadId: 'not-a-uuid' }, error: expect.stringMatching(/^invalid fit-ingest payload/) as unknown });
    expect(await q.queues.failed('analysis')).toMatchObject([{ attempts: 1, error: 'PermanentJobError: athlete deleted', payload: { athleteId, isoWeek: '2026-W13' } }]);
    expect(logged('job failed', 'fit-ingest')).toHaveLength(2);
    expect(logged('job failed, retrying')).toHaveLength(0);

    const shown = await runCli(['queues', '--json'], cliEnv());
    expect(shown.code).toBe(0);
    expect((JSON.parse(shown.stdout) as { queues: Record<string, { failed: number }> }).queues).toMatchObject({ 'fit-ingest': { failed: 2 }, analysis: { failed: 1 } });

    const retried = await runCli(['queues', 'retry-failed', '--queue', 'fit-ingest'], cliEnv());
    expect(retried.stderr).toBe('');
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(`re-queued fit-ingest job fit-ingest-${missing}`);
    expect(retried.stdout).toContain('re-queued 2 failed job(s)');
    const counts = await q.queues.counts();
    expect(counts['fit-ingest']).toMatchObject({ waiting: 2, failed: 0 });
    expect(counts.analysis.failed).toBe(1);
    const again = await q.queues.queue('fit-ingest').getJob(`fit-ingest-${missing}`);
    expect(again).toMatchObject({ data: { uploadId: missing }, attemptsMade: 0 });

    const text = await runCli(['queues'], cliEnv());
    expect(text.stdout.split('\n')[0]).toMatch(/^queue\s+waiting\s+active\s+delayed\s+completed\s+failed\s+paused$/);
    expect(text.stdout).toMatch(/^fit-ingest\s+2\s+0\s+0\s+0\s+0\s+0$/m);
  });

  it('lets the active job finish when the worker closes', async () => {
    let finished = false;
    const w = registerWorker('analysis', deps, {
      queues: q.queues,
      closeOn: [],
      handler: async () => {
        await new Promise((r) => setTimeout(r, 300));
        finished = true;
        return { score: null };
      },
    });
    workers.push(w);
    await q.queues.enqueue('analysis', { athleteId, isoWeek: '2026-W14' });
    await waitFor('the job to start', () => logged('job started', 'analysis').length === 1);
    await w.close();
    expect(finished).toBe(true);
    expect(logged('job completed', 'analysis')).toHaveLength(1);
    expect((await q.queues.counts()).analysis).toMatchObject({ active: 0, waiting: 0, failed: 0 });
  });

  it('coalesces analysis of one athlete-week: an add while it waits is dropped, adds while it runs make one more run after it', async () => {
    const week = { athleteId, isoWeek: '2026-W20' };
    await q.queues.enqueue('analysis', week);
    await q.queues.enqueue('analysis', week);
    expect((await q.queues.counts(['analysis'])).analysis).toMatchObject({ waiting: 1, active: 0 });

    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    workers.push(
      registerWorker('analysis', deps, {
        queues: q.queues,
        closeOn: [],
        concurrency: 4,
        handler: async () => {
          const run = ++runs;
          events.push(`start ${run}`);
          if (run === 1) await gate;
          events.push(`end ${run}`);
          return { score: null };
        },
      }),
    );
    await waitFor('the first run to start', () => runs === 1);
    // Committed while the run reads its data: these must not be lost, and must not run in parallel.
    for (let i = 0; i < 3; i++) await q.queues.enqueue('analysis', week);
    expect((await q.queues.counts(['analysis'])).analysis).toMatchObject({ active: 1, waiting: 0 });
    release();
    await waitFor('the second run', () => logged('job completed', 'analysis').length === 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    expect((await q.queues.counts(['analysis'])).analysis).toMatchObject({ waiting: 0, active: 0, delayed: 0, completed: 2, failed: 0 });
  });

  it('hands a job whose worker died on to another worker (stalled-job check)', async () => {
    let deadStarted = 0;
    const dead = registerWorker('fit-ingest', deps, {
      queues: q.queues,
      closeOn: [],
      lockDurationMs: 1000,
      handler: () => {
        deadStarted++;
        return new Promise<never>(() => undefined);
      },
    });
    workers.push(dead);
    const uploadId = randomUUID();
    await q.queues.enqueue('fit-ingest', { uploadId });
    await waitFor('the job to start', () => deadStarted === 1);
    // The worker dies: it neither finishes nor returns the job, and stops renewing its lock.
    await dead.worker.close(true);
    expect((await q.queues.counts(['fit-ingest']))['fit-ingest'].active).toBe(1);

    workers.push(registerWorker('fit-ingest', deps, { queues: q.queues, closeOn: [], lockDurationMs: 1000, handler: () => Promise.resolve({ status: 'imported' }) }));
    await waitFor('another worker to finish it', () => logged('job completed', 'fit-ingest').length === 1, 20_000);
    expect(logged('job completed', 'fit-ingest')[0]).toMatchObject({ jobId: `fit-ingest-${uploadId}`, result: { status: 'imported' } });
    expect(lines.some((l) => l.msg.startsWith('job stalled') && l.jobId === `fit-ingest-${uploadId}`)).toBe(true);
    expect((await q.queues.counts(['fit-ingest']))['fit-ingest']).toMatchObject({ waiting: 0, active: 0, failed: 0 });
  });

  it('keeps one job scheduler per id, at the local time of its zone, fires it, and removes it', async () => {
    const queue = await q.queues.ready('analysis');
    const template = { name: 'analysis', data: { athleteId, isoWeek: '2026-W21' } };
    const repeat = { pattern: '0 7 * * 1', tz: 'Europe/Berlin' };
    await queue.upsertJobScheduler('weekly-test', repeat, template);
    await queue.upsertJobScheduler('weekly-test', repeat, template);
    const [scheduler, ...others] = await queue.getJobSchedulers();
    expect(others).toEqual([]);
    expect(scheduler).toMatchObject({ key: 'weekly-test', ...repeat });
    const next = scheduler!.next!;
    expect(next).toBeGreaterThan(Date.now());
    expect(next - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(next));
    expect(local).toBe('Mon 07:00');
    // Its next run waits as one delayed job.
    expect((await queue.getDelayed()).map((j) => j.id)).toEqual([`repeat:weekly-test:${next}`]);

    let runs = 0;
    workers.push(
      registerWorker('analysis', deps, {
        queues: q.queues,
        closeOn: [],
        handler: () => {
          runs++;
          return Promise.resolve({ score: null });
        },
      }),
    );
    await queue.upsertJobScheduler('every-test', { every: 300 }, { name: 'analysis', data: { athleteId, isoWeek: '2026-W22' } });
    await waitFor('an interval scheduler to fire three times', () => runs >= 3);
    expect(await queue.removeJobScheduler('every-test')).toBe(true);
    expect(await queue.removeJobScheduler('weekly-test')).toBe(true);
    expect(await queue.getJobSchedulers()).toEqual([]);
    await waitFor('nothing left to run', async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed');
      return c.waiting! + c.active! + c.delayed! === 0;
    });
  });

  it('with queues configured, CLI commands queue their jobs on BullMQ and leave them to the workers', async () => {
    const res = await runCli(['import', '--athlete', athleteId, `${FIXTURE_DIR}run-garmin-fenix2-hr.fit`], cliEnv());
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^imported\s+\S*run-garmin-fenix2-hr\.fit: /);
    // One line for the file, then the summary.
    expect(res.stdout.trim().split('\n').slice(1)).toEqual(['1 imported, 0 duplicate, 0 skipped, 0 failed']);
    const waiting = await q.queues.queue('analysis').getWaiting();
    expect(waiting.map((j) => j.data)).toEqual([{ athleteId, isoWeek: expect.stringMatching(/^\d{4}-W\d\d$/) as unknown }]);
    const week = (waiting[0]?.data as { isoWeek: string }).isoWeek;
    const stored = await t.db.selectFrom('week_compliance').select('iso_week').where('athlete_id', '=', athleteId).where('iso_week', '=', week).executeTakeFirst();
    expect(stored).toBeUndefined();
  });
});
