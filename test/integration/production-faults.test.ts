/**
 * The acceptance test of issue 21 (docs/operations.md, docs/PERFORMANCE.md "Recovery from database
 * faults"): the production shape — `kinetic serve` and two `kinetic worker` — on a throwaway Postgres
 * and a throwaway Redis without persistence (so that restarting them disturbs no other test), while
 * 120 FIT files are uploaded through the API in batches: Postgres restarted, Redis restarted (it comes
 * back empty), and every queue key wiped with the workers running. Then: no process exited, no answer
 * was a 500, every file of a 2xx answer is stored exactly once, and no upload is left queued or
 * processing 3 minutes after the last fault (all are parsed).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { ADMIN_TOKEN, multipart, NO_RATE_LIMITS } from '../support/api.ts';
import { startPostgresServer, type PostgresServer } from '../support/pg-server.ts';
import { deleteKeys, testPrefix, waitFor } from '../support/queues.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { serve, type Served } from '../support/serve.ts';
import { startWorker, type WorkerProcess } from '../support/workers.ts';

const FILES = 120;
const PER_REQUEST = 8;
/** The workers look for work left behind this often (production: 5 minutes). */
const RECONCILE_MS = 5000;

let pgs: PostgresServer;
let redis: RedisServer;
let handle: DbHandle;
let server: Served | undefined;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [pgs, redis] = await Promise.all([startPostgresServer(), startRedisServer({ appendOnly: false })]);
  handle = connect({ databaseUrl: pgs.url, poolSize: 2, onConnectionError: () => undefined });
});
afterAll(async () => {
  for (const w of workers) if (w.alive()) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exit));
  await server?.stop();
  await handle.close();
  await Promise.all([pgs.destroy(), redis.destroy()]);
});

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** At least `n` uploads stored and waiting for a worker. */
async function backlog(n: number): Promise<boolean> {
  return (await handle.db.selectFrom('uploads').select('id').where('status', '=', 'queued').execute()).length >= n;
}

it('survives Postgres and Redis restarts and wiped queue keys: no exit, no 500, every accepted file stored once and parsed', async () => {
  const env = {
    DATABASE_URL: pgs.url,
    REDIS_URL: redis.url,
    KINETIC_QUEUE_PREFIX: testPrefix(),
    KINETIC_ADMIN_TOKEN: ADMIN_TOKEN,
    KINETIC_RECONCILE_INTERVAL_MS: String(RECONCILE_MS),
    LOG_LEVEL: 'info',
    ...NO_RATE_LIMITS,
  };
  server = await serve(env);
  const base = server.base;
  for (let i = 0; i < 2; i++) workers.push(startWorker(env, ['--concurrency', '2', '--lock-duration', '5000']));
  await waitFor('both workers to start', () => workers.every((w) => w.lines.some((l) => l.msg === 'worker started')), 150_000);
  const created = await fetch(`${base}/athletes`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada', timezone: 'UTC' }) });
  const { id: athleteId } = (await created.json()) as { id: string };

  const files = Array.from({ length: FILES }, (_, i) => ({
    filename: `run-${i}.fit`,
    bytes: encodeRun({ startTime: new Date(Date.UTC(2025, 0, 1 + i, 6)), serialNumber: 3_990_000_000 + i, laps: [{ durationS: 5400 + 10 * i, distanceM: 16_000, avgHr: 140 }] }),
  }));

  // The client: sends each batch until it gets a 2xx, waiting Retry-After after a 503 (sending it
  // again is safe). Every status it got is kept.
  const statuses: number[] = [];
  const accepted = new Map<string, string>(); // filename → upload id, from 2xx answers
  let sent = 0;
  const client = (async () => {
    for (let b = 0; b < FILES; b += PER_REQUEST) {
      for (;;) {
        const body = multipart(files.slice(b, b + PER_REQUEST));
        const res = await fetch(`${base}/athletes/${athleteId}/uploads`, { method: 'POST', headers: { ...admin, ...body.headers }, body: body.payload });
        statuses.push(res.status);
        if (res.status === 202) {
          for (const u of ((await res.json()) as { uploads: { id: string; filename: string }[] }).uploads) accepted.set(u.filename, u.id);
          break;
        }
        await res.body?.cancel();
        if (res.status !== 503) throw new Error(`POST answered ${res.status}`);
        await sleep(1000 * Number(res.headers.get('retry-after') ?? '5'));
      }
      sent = b + PER_REQUEST;
    }
  })();

  // The faults, while the client sends.
  const faults: { fault: string; at: number }[] = [];
  await waitFor('a quarter sent', () => sent >= FILES / 4, 120_000);
  await pgs.stop();
  faults.push({ fault: 'Postgres stopped', at: Date.now() });
  await sleep(3000);
  await pgs.start();
  await waitFor('half sent', () => sent >= FILES / 2, 180_000);
  // The Redis faults come with work waiting (jobs to lose): the files are sent faster than parsed.
  await waitFor('a backlog', () => backlog(10), 120_000);
  await redis.stop();
  faults.push({ fault: 'Redis stopped (no persistence: it comes back empty)', at: Date.now() });
  await sleep(3000);
  await redis.start();
  const redisBack = Date.now();
  await waitFor('three quarters sent', () => sent >= (3 * FILES) / 4, 180_000);
  await waitFor('a backlog', () => backlog(10), 120_000);
  const wiped = await deleteKeys(redis.url, `${env.KINETIC_QUEUE_PREFIX}:*`);
  const lastFault = Date.now();
  faults.push({ fault: `queue keys wiped (${wiped})`, at: lastFault });
  await client;

  // What the wipe lost, the workers' reconciliation queued again.
  const requeued = (): number => workers.flatMap((w) => w.lines).filter((l) => l.msg === 'reconciled: uploads left behind queued again or marked failed').reduce((n, l) => n + Number(l.requeued), 0);

  // Within 3 minutes of the last fault nothing is queued or processing: every upload parsed.
  await waitFor(
    'no upload queued or processing',
    async () => {
      const left = await handle.db.selectFrom('uploads').select('id').where('status', 'in', ['queued', 'processing']).execute();
      return left.length === 0;
    },
    180_000,
  );
  const recoveredS = (Date.now() - lastFault) / 1000;
  expect(requeued()).toBeGreaterThanOrEqual(10);
  // For docs/PERFORMANCE.md: when the workers noticed the lost scheduler and queued the lost work again.
  const lines = workers.flatMap((w) => w.lines);
  const firstAfter = (msg: (l: (typeof lines)[number]) => boolean, t: number): string => {
    const at = Math.min(...lines.filter((l) => msg(l) && Number(l.time) >= t).map((l) => Number(l.time)));
    return Number.isFinite(at) ? `${((at - t) / 1000).toFixed(1)} s` : 'never';
  };
  const rescheduled = (l: (typeof lines)[number]): boolean => l.msg === 'reconcile scheduled' && l.was === 'missing';
  const reconciled = (l: (typeof lines)[number]): boolean => l.msg === 'reconciled: uploads left behind queued again or marked failed';
  console.log(
    `production faults: ${JSON.stringify(faults.map((f) => f.fault))}; statuses ${JSON.stringify(count(statuses))}; ` +
      `Redis back: scheduler re-created after ${firstAfter(rescheduled, redisBack)}, lost uploads queued after ${firstAfter(reconciled, redisBack)}; ` +
      `keys wiped: scheduler re-created after ${firstAfter(rescheduled, lastFault)}, lost uploads queued after ${firstAfter(reconciled, lastFault)}; ` +
      `nothing queued or processing ${recoveredS.toFixed(1)} s after the last fault; ${requeued()} uploads queued again by the reconciliation`,
  );

  expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
  expect(accepted.size).toBe(FILES);
  const uploads = await handle.db.selectFrom('uploads').select(['id', 'filename', 'status', 'sha256']).execute();
  // Each file of a 2xx answer stored exactly once, under the id the answer gave, and parsed.
  expect(uploads).toHaveLength(FILES);
  expect(new Set(uploads.map((u) => u.sha256)).size).toBe(FILES);
  for (const u of uploads) expect(accepted.get(u.filename)).toBe(u.id);
  expect(uploads.filter((u) => u.status !== 'imported')).toEqual([]);
  expect(await handle.db.selectFrom('activities').select('id').execute()).toHaveLength(FILES);

  // No process exited; they close cleanly.
  expect(workers.every((w) => w.alive())).toBe(true);
  expect(server.child.exitCode).toBeNull();
  for (const w of workers) w.child.kill('SIGTERM');
  expect(await Promise.all(workers.map((w) => w.exit))).toEqual([
    { code: 0, signal: null },
    { code: 0, signal: null },
  ]);
  expect(await server.stop()).toBe(0);
}, 600_000);

function count(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
