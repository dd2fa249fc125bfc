/**
 * `kinetic doctor` on a healthy deployment and on broken ones (issue 21, docs/operations.md): the real
 * command against real Postgres and Redis (a throwaway Redis of this test, whose settings it changes).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { BullQueues, registerWorker } from '../../src/jobs/bullmq.ts';
import { PermanentJobError } from '../../src/jobs/queues.ts';
import { runCli } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { adminQuery, databaseUrl } from '../support/pg-admin.ts';
import { captureLogger, testPrefix, waitFor } from '../support/queues.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { freePort } from '../support/services.ts';
import { startWorker, type WorkerProcess } from '../support/workers.ts';

let t: TestDb;
let redis: RedisServer;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  [t, redis] = await Promise.all([createTestDb('postgres'), startRedisServer({ appendOnly: true })]);
});
afterAll(async () => {
  if (worker?.alive() === true) worker.child.kill('SIGKILL');
  await worker?.exit;
  await t.drop();
  await redis.destroy();
});

interface Check {
  name: string;
  level: string;
  message: string;
  fix?: string;
}

async function doctor(env: Record<string, string>): Promise<{ code: number | null; stdout: string; checks: Map<string, Check> }> {
  const text = await runCli(['doctor'], env);
  const json = await runCli(['doctor', '--json'], env);
  expect(json.code).toBe(text.code);
  const { checks } = JSON.parse(json.stdout) as { checks: Check[] };
  return { code: text.code, stdout: text.stdout, checks: new Map(checks.map((c) => [c.name, c])) };
}

it('says everything is in order on a healthy deployment (exit 0)', async () => {
  const env = { DATABASE_URL: t.url!, REDIS_URL: redis.url, KINETIC_QUEUE_PREFIX: testPrefix(), SMTP_URL: 'smtp://127.0.0.1:2525' };
  worker = startWorker(env, ['--queues', 'fit-ingest,analysis,reconcile']);
  await waitFor('the worker to start', () => worker!.lines.some((l) => l.msg === 'worker started'), 150_000);
  const { code, stdout, checks } = await doctor(env);
  expect(stdout).toMatch(/^ok {4}database {11}Postgres at postgres:\/\/.* \(DATABASE_URL\) answers$/m);
  expect([...checks.values()].map((c) => [c.name, c.level])).toEqual([
    ['database', 'ok'],
    ['migrations', 'ok'],
    ['uploads', 'ok'],
    ['queues', 'ok'],
    ['redis memory', 'ok'],
    ['redis persistence', 'ok'],
    ['backlog', 'ok'],
    ['failed jobs', 'ok'],
    ['workers', 'ok'],
    ['mail', 'ok'],
    ['strava', 'info'],
  ]);
  expect(stdout.trim().split('\n').at(-1)).toBe('everything checked is in order');
  expect(code).toBe(0);
  worker.child.kill('SIGTERM');
  expect((await worker.exit).code).toBe(0);
});

it('names each problem of a broken deployment and what to fix (exit 1)', async () => {
  // A database never migrated, Redis evicting keys and without its append-only file, a failed job, no
  // worker, no mail, Strava half configured.
  const name = `kt_doctor_${inject('runId')}`;
  await adminQuery(inject('pgUrl'), `CREATE DATABASE ${name}`);
  const prefix = testPrefix();
  const { log } = captureLogger();
  const queues = new BullQueues({ redisUrl: redis.url, prefix, log });
  const failing = registerWorker('fit-ingest', { log, queue: queues }, { queues, closeOn: [], handler: () => Promise.reject(new PermanentJobError('the decoder broke')) });
  await queues.enqueue('fit-ingest', { uploadId: randomUUID() });
  await waitFor('the job to fail', async () => (await queues.failed('fit-ingest')).length === 1, 30_000);
  await failing.close();
  await queues.close();
  const r = new Redis(redis.url);
  await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
  await r.config('SET', 'appendonly', 'no');
  r.disconnect();

  const env = { DATABASE_URL: databaseUrl(inject('pgUrl'), name), REDIS_URL: redis.url, KINETIC_QUEUE_PREFIX: prefix, STRAVA_CLIENT_ID: '12345' };
  const { code, stdout, checks } = await doctor(env);
  expect(code).toBe(1);
  expect(checks.get('migrations')).toMatchObject({ level: 'fail', message: expect.stringMatching(/^\d+ migration\(s\) not applied: /) as unknown, fix: expect.stringContaining('kinetic migrate') as unknown });
  expect(checks.has('uploads')).toBe(false);
  expect(checks.get('redis memory')).toMatchObject({ level: 'fail', message: expect.stringContaining('allkeys-lru') as unknown, fix: expect.stringContaining('noeviction') as unknown });
  expect(checks.get('redis persistence')).toMatchObject({ level: 'warn', fix: expect.stringContaining('appendonly yes') as unknown });
  expect(checks.get('failed jobs')).toMatchObject({ level: 'fail', message: 'failed jobs: fit-ingest 1', fix: expect.stringContaining('kinetic queues retry-failed') as unknown });
  expect(checks.get('workers')).toMatchObject({ level: 'fail', fix: expect.stringContaining('start kinetic worker') as unknown });
  expect(checks.get('mail')).toMatchObject({ level: 'warn', fix: expect.stringContaining('SMTP_URL') as unknown });
  expect(checks.get('strava')).toMatchObject({ level: 'fail', message: 'Strava is half configured: STRAVA_CLIENT_SECRET, KINETIC_SECRET (encrypts the Strava tokens) missing' });
  expect(stdout).toMatch(/^FAIL {2}redis memory {7}maxmemory-policy is allkeys-lru: .*\n {7}\s+fix: set maxmemory-policy noeviction/m);
  expect(stdout.trim().split('\n').at(-1)).toBe('5 problems, 2 warnings');
});

it('says when neither the database nor Redis can be reached (exit 1)', async () => {
  const [pgPort, redisPort] = [await freePort(), await freePort()];
  const env = { DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/kinetic`, REDIS_URL: `redis://127.0.0.1:${redisPort}`, SMTP_URL: 'smtp://127.0.0.1:2525' };
  const { code, checks } = await doctor(env);
  expect(code).toBe(1);
  expect(checks.get('database')).toMatchObject({ level: 'fail', message: expect.stringContaining(`cannot reach Postgres at postgres://postgres@127.0.0.1:${pgPort}/kinetic (DATABASE_URL): `) as unknown, fix: expect.stringContaining('start Postgres') as unknown });
  expect(checks.get('queues')).toMatchObject({ level: 'fail', message: expect.stringContaining(`cannot reach Redis at redis://127.0.0.1:${redisPort}`) as unknown, fix: 'start Redis, or correct REDIS_URL' });
  expect(checks.has('migrations')).toBe(false);
});
