/**
 * The API while its databases are away (issue 21, docs/api.md "When the databases are away"): a real
 * `kinetic serve` on a throwaway Postgres and a throwaway Redis of this test.
 * - Postgres stopped: 503 with Retry-After (never 500), and nothing stored; sent again once it is
 *   back, the files are stored once, and again they are duplicates.
 * - Redis stopped: the files are stored and the answer is 202, each saying it is not queued yet; the
 *   reconciliation of a worker queues them once Redis is back, and they are parsed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { ADMIN_TOKEN, multipart, NO_RATE_LIMITS } from '../support/api.ts';
import { startPostgresServer, type PostgresServer } from '../support/pg-server.ts';
import { testPrefix, waitFor } from '../support/queues.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { serve, type Served } from '../support/serve.ts';
import { startWorker, type WorkerProcess } from '../support/workers.ts';

let pgs: PostgresServer;
let redis: RedisServer;
let handle: DbHandle;
let server: Served | undefined;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  [pgs, redis] = await Promise.all([startPostgresServer(), startRedisServer({ appendOnly: false })]);
  handle = connect({ databaseUrl: pgs.url, poolSize: 2, onConnectionError: () => undefined });
});
afterAll(async () => {
  if (worker?.alive() === true) worker.child.kill('SIGKILL');
  await worker?.exit;
  await server?.stop();
  await handle.close();
  await Promise.all([pgs.destroy(), redis.destroy()]);
});

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const run = (i: number): { filename: string; bytes: Uint8Array } => ({
  filename: `run-${i}.fit`,
  bytes: encodeRun({ startTime: new Date(Date.UTC(2026, 6, 1 + i, 6)), serialNumber: 3_980_000_000 + i, laps: [{ durationS: 1800, distanceM: 6000, avgHr: 142 }] }),
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { uploads?: { id: string; filename: string; status: string; note?: string }[]; error?: { code: string; message: string } };
}

async function post(base: string, athleteId: string, files: { filename: string; bytes: Uint8Array }[]): Promise<Answer> {
  const body = multipart(files);
  const res = await fetch(`${base}/athletes/${athleteId}/uploads`, { method: 'POST', headers: { ...admin, ...body.headers }, body: body.payload });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

it('answers 503 with Retry-After while Postgres is away and stores nothing; while Redis is away stores and answers 202, and the files are parsed once it is back', async () => {
  const prefix = testPrefix();
  const env = { DATABASE_URL: pgs.url, REDIS_URL: redis.url, KINETIC_QUEUE_PREFIX: prefix, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info', ...NO_RATE_LIMITS };
  server = await serve(env);
  const base = server.base;
  const created = await fetch(`${base}/athletes`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Oda', timezone: 'UTC' }) });
  const { id: athleteId } = (await created.json()) as { id: string };
  const files = [run(0), run(1), run(2)];

  // Postgres away: 503, Retry-After, the reason in words; other routes too.
  await pgs.stop();
  const refused = await post(base, athleteId, files);
  expect(refused.status).toBe(503);
  expect(refused.retryAfter).toBe('5');
  expect(refused.body.error).toEqual({ code: 'database_unavailable', message: 'the database is unreachable just now: nothing was changed; send the request again in 5 s' });
  const list = await fetch(`${base}/athletes/${athleteId}/uploads`, { headers: admin });
  expect([list.status, list.headers.get('retry-after')]).toEqual([503, '5']);
  await pgs.start();
  expect(await handle.db.selectFrom('uploads').select('id').execute()).toEqual([]);

  // Back: sent again, stored once; and again, duplicates of the same uploads.
  const stored = await post(base, athleteId, files);
  expect(stored.status).toBe(202);
  expect(stored.body.uploads!.map((u) => u.status)).toEqual(['queued', 'queued', 'queued']);
  const again = await post(base, athleteId, files);
  expect(again.status).toBe(202);
  expect(again.body.uploads!.map((u) => [u.id, u.status])).toEqual(stored.body.uploads!.map((u) => [u.id, 'duplicate']));

  // Redis away: stored, 202, each file saying it is not queued yet.
  await redis.stop();
  const later = [run(3), run(4)];
  const accepted = await post(base, athleteId, later);
  expect(accepted.status).toBe(202);
  expect(accepted.body.uploads!.map((u) => u.status)).toEqual(['queued', 'queued']);
  for (const u of accepted.body.uploads!) expect(u.note).toMatch(/^stored; the job queue is unreachable just now \(cannot reach Redis at .*\): it is queued within minutes of the queue's return$/);
  expect(await handle.db.selectFrom('uploads').select('id').execute()).toHaveLength(5);
  await redis.start();

  // A worker (its start-up pass, or its reconcile scheduler) queues what was never queued: all parsed.
  worker = startWorker(env, ['--concurrency', '2']);
  await waitFor(
    'every upload parsed',
    async () => {
      const rows = await handle.db.selectFrom('uploads').select('status').execute();
      return rows.length === 5 && rows.every((u) => u.status === 'imported');
    },
    150_000,
  );
  // No request failed (500); the refusals were logged as such.
  expect(server.lines.filter((l) => l.msg === 'request failed')).toEqual([]);
  expect(server.lines.filter((l) => l.msg === 'request refused: unavailable').length).toBeGreaterThanOrEqual(2);
  worker.child.kill('SIGTERM');
  expect((await worker.exit).code).toBe(0);
  expect(await server.stop()).toBe(0);
}, 300_000);
