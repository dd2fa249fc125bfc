/**
 * Postgres faults with real processes (issue 21, docs/operations.md): `kinetic serve` and two
 * `kinetic worker` on a throwaway Postgres server of this test (test/support/pg-server.ts), stopped
 * (fast shutdown: every session ends with 57P01) while jobs run, and started again. No process exits;
 * a job that lost its connection fails that attempt and is retried; `/readyz` says the database is
 * down while it is.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { ADMIN_TOKEN, multipart, NO_RATE_LIMITS } from '../support/api.ts';
import { startPostgresServer, type PostgresServer } from '../support/pg-server.ts';
import { captureLogger, createTestQueues, waitFor, type TestQueues } from '../support/queues.ts';
import { serve, type Served } from '../support/serve.ts';
import { startWorker, type WorkerProcess } from '../support/workers.ts';

let pgs: PostgresServer;
let q: TestQueues;
let handle: DbHandle;
let server: Served | undefined;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  pgs = await startPostgresServer();
  q = createTestQueues(captureLogger().log);
  handle = connect({ databaseUrl: pgs.url, poolSize: 2, onConnectionError: () => undefined });
});
afterAll(async () => {
  for (const w of workers) if (w.alive()) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exit));
  await server?.stop();
  await handle.close();
  await q.cleanup();
  await pgs.destroy();
});

async function readyz(base: string): Promise<{ status: number; database: boolean }> {
  const res = await fetch(`${base}/readyz`);
  const body = (await res.json()) as { checks: { database: { ok: boolean } } };
  return { status: res.status, database: body.checks.database.ok };
}

it('a Postgres restart while jobs run ends no process; the jobs are retried and every upload is parsed; /readyz says the database was down', async () => {
  const env = { DATABASE_URL: pgs.url, ...q.env, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info', ...NO_RATE_LIMITS };
  server = await serve(env);
  const base = server.base;
  for (let i = 0; i < 2; i++) workers.push(startWorker(env, ['--concurrency', '2', '--lock-duration', '5000']));
  await waitFor('both workers to start', () => workers.every((w) => w.lines.some((l) => l.msg === 'worker started')), 150_000);

  const created = await fetch(`${base}/athletes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Pia', timezone: 'Europe/Berlin' }),
  });
  expect(created.status).toBe(201);
  const { id: athleteId } = (await created.json()) as { id: string };

  // Runs of 1-2 hours at 1 Hz: their ingest and analysis hold connections long enough to be cut.
  const files = Array.from({ length: 24 }, (_, i) => ({
    filename: `run-${i}.fit`,
    bytes: encodeRun({ startTime: new Date(Date.UTC(2026, 2, 2 + i, 6, 30)), serialNumber: 3_950_000_000 + i, laps: [{ durationS: 3600 + 60 * i, distanceM: 12_000, avgHr: 140 }] }),
  }));
  const jobStarted = waitFor('an ingest job to start', () => workers.some((w) => w.lines.some((l) => l.msg === 'job completed' && l.queue === 'fit-ingest')), 120_000);
  for (let b = 0; b < files.length; b += 6) {
    const body = multipart(files.slice(b, b + 6));
    const res = await fetch(`${base}/athletes/${athleteId}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...body.headers }, body: body.payload });
    expect(res.status).toBe(202);
  }
  await jobStarted;

  // Fast shutdown, as `pg_ctlcluster … restart` does: every open session is terminated.
  await pgs.stop();
  await waitFor('/readyz to report the database down', async () => {
    const r = await readyz(base);
    return r.status === 503 && !r.database;
  }, 30_000);
  await new Promise((r) => setTimeout(r, 2000));
  expect(workers.every((w) => w.alive())).toBe(true);
  await pgs.start();

  await waitFor(
    'every upload parsed',
    async () => {
      const rows = await handle.db.selectFrom('uploads').select('status').where('athlete_id', '=', athleteId).execute();
      return rows.length === files.length && rows.every((u) => u.status === 'imported');
    },
    240_000,
  );
  await waitFor('/readyz to report ready again', async () => (await readyz(base)).status === 200, 30_000);
  expect(workers.every((w) => w.alive())).toBe(true);
  expect(server.child.exitCode).toBeNull();
  // The restart was noticed (each process logged its lost connections) and no line reports a crash.
  const all = [...workers.flatMap((w) => w.lines), ...server.lines];
  for (const w of workers) expect(w.lines.some((l) => l.msg === 'database connection lost; it will be replaced')).toBe(true);
  expect(all.filter((l) => /uncaught|unhandled/i.test(l.msg))).toEqual([]);

  for (const w of workers) w.child.kill('SIGTERM');
  expect(await Promise.all(workers.map((w) => w.exit))).toEqual([
    { code: 0, signal: null },
    { code: 0, signal: null },
  ]);
  expect(await server.stop()).toBe(0);
}, 600_000);
