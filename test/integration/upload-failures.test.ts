/**
 * No upload left behind (issue 21): an upload whose `fit-ingest` job runs out of attempts becomes
 * `failed` with the error in words, not `processing` for ever; sending the file again (the API and the
 * web form) or `kinetic import --retry-failed` parses it again. Real `kinetic worker`, real Postgres
 * and Redis; the failure is a real database error on every attempt (a trigger refusing activities).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeRun } from '../../src/synth/fit.ts';
import { createAthleteViaApi, createTestApi, json, postUploads, type CreatedAthlete, type TestApi } from '../support/api.ts';
import { runCli } from '../support/cli.ts';
import { waitFor } from '../support/queues.ts';
import { startWorker, type WorkerProcess } from '../support/workers.ts';

let api: TestApi;
let me: CreatedAthlete;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  api = await createTestApi({ bullmq: true });
  me = await createAthleteViaApi(api.app, { name: 'Fay' });
});
afterAll(async () => {
  if (worker?.alive() === true) worker.child.kill('SIGKILL');
  await worker?.exit;
  await api.close();
});

const run = (i: number): Uint8Array => encodeRun({ startTime: new Date(Date.UTC(2026, 3, 6 + i, 7)), serialNumber: 3_960_000_000 + i, laps: [{ durationS: 1500, distanceM: 5000, avgHr: 146 }] });

async function statusOf(id: string): Promise<{ status: string; error: string | null }> {
  const res = await api.app.inject({ method: 'GET', url: `/uploads/${id}`, headers: me.headers });
  expect(res.statusCode).toBe(200);
  return json<{ status: string; error: string | null }>(res);
}

it('an upload whose job ran out of attempts is failed with the error in words; sending it again or --retry-failed parses it', async () => {
  const { db } = api.t;
  // Every attempt fails with a real error from the database (as a full disk would).
  await sql`create function refuse_activity() returns trigger language plpgsql as $$ begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$`.execute(db);
  await sql`create trigger refuse_activity before insert on activities for each row execute function refuse_activity()`.execute(db);

  const env = { DATABASE_URL: api.t.url!, ...api.queues!.env, LOG_LEVEL: 'info' };
  worker = startWorker(env, ['--queues', 'fit-ingest,analysis', '--concurrency', '2']);
  const res = await postUploads(api.app, me.id, me.headers, [
    { filename: 'a.fit', bytes: run(0) },
    { filename: 'b.fit', bytes: run(1) },
  ]);
  expect(res.statusCode).toBe(202);
  const [a, b] = json<{ uploads: { id: string }[] }>(res).uploads.map((u) => u.id) as [string, string];

  // 5 attempts, 1 + 2 + 4 + 8 s of backoff at most.
  await waitFor('both uploads failed', async () => (await statusOf(a)).status === 'failed' && (await statusOf(b)).status === 'failed', 120_000);
  const failed = await statusOf(a);
  expect(failed.error).toMatch(/^Kinetic could not save this file's activities after 5 attempts \(error: could not extend file: No space left on device\); the file is kept: send it again, or run kinetic import --retry-failed, to try again$/);
  // BullMQ keeps the jobs in its failed set, with the same error.
  const jobs = await api.queues!.queues.failed('fit-ingest');
  expect(jobs.map((j) => j.jobId).sort()).toEqual([`fit-ingest-${a}`, `fit-ingest-${b}`].sort());
  expect(jobs.every((j) => j.attempts === 5 && j.error.includes('No space left on device'))).toBe(true);

  // The disk has room again.
  await sql`drop trigger refuse_activity on activities`.execute(db);

  // Sent again (the web form posts to the same route): queued, and its kept job runs again.
  const again = await postUploads(api.app, me.id, me.headers, [{ filename: 'b-again.fit', bytes: run(1) }]);
  expect(again.statusCode).toBe(202);
  expect(json<{ uploads: unknown[] }>(again).uploads).toEqual([{ id: b, filename: 'b-again.fit', status: 'queued', note: expect.stringMatching(/^same bytes as upload .* \(b\.fit\), which had failed \(Kinetic could not save/) as unknown }]);
  await waitFor('b imported', async () => (await statusOf(b)).status === 'imported', 60_000);
  expect((await api.queues!.queues.failed('fit-ingest')).map((j) => j.jobId)).toEqual([`fit-ingest-${a}`]);

  // kinetic import --retry-failed parses the other one in its own process.
  const cli = await runCli(['import', '--retry-failed', '--athlete', me.id], env);
  expect(cli.stderr).toBe('');
  expect(cli.code).toBe(0);
  const retried = await statusOf(a);
  expect(retried.status).toBe('imported');
  expect(retried.error ?? null).toBeNull();
  expect(await db.selectFrom('activities').select('id').where('athlete_id', '=', me.id).execute()).toHaveLength(2);

  worker.child.kill('SIGTERM');
  expect((await worker.exit).code).toBe(0);
}, 300_000);
