/**
 * The BullMQ job queues on Redis and on BullMQ's PostgreSQL backend (issue 6): Kinetic's own
 * `BullQueues.enqueue` and `registerWorker` with a no-op handler on the `fit-ingest` queue (real job
 * options: deterministic id, attempts, backoff, remove on complete).
 * - enqueue: N jobs one at a time (as a request or an import queues them), and 32 at once;
 * - process: N queued jobs drained by one worker with concurrency 8;
 * - latency: jobs queued one by one at a steady rate to an idle worker, enqueue → handler done.
 * Redis is the harness Redis (TEST_REDIS_URL) under a throwaway prefix; Postgres a throwaway
 * database on the harness server (TEST_DATABASE_URL), its default durability (synchronous commit).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from '../src/db/connect.ts';
import { createLogger } from '../src/log.ts';
import { BullQueues, registerWorker } from '../src/jobs/bullmq.ts';
import { adminQuery, databaseUrl } from '../test/support/pg-admin.ts';
import { deleteKeys } from '../test/support/queues.ts';
import { ensurePostgres, ensureRedis } from '../test/support/services.ts';

const N = 2000;
const LATENCY_JOBS = 400;
const LATENCY_RATE_PER_S = 100;
const CONCURRENCY = 8;

interface Row {
  backend: string;
  'enqueue 1 at a time (jobs/s)': number;
  'enqueue 32 at once (jobs/s)': number;
  'process, concurrency 8 (jobs/s)': number;
  'latency p50 (ms)': number;
  'latency p99 (ms)': number;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function measure(backend: string, queues: BullQueues, dbUrl: string): Promise<Row> {
  const log = createLogger('silent');
  const handle = connect({ databaseUrl: dbUrl, poolSize: 2 });
  const done = new Map<string, () => void>();
  let processed = 0;
  let allDone: (() => void) | undefined;
  try {
    await queues.prepare();
    await queues.obliterate();
    const enqueue = (): Promise<void> => queues.enqueue('fit-ingest', { uploadId: randomUUID() });

    // Enqueue, no worker running.
    let t0 = performance.now();
    for (let i = 0; i < N; i++) await enqueue();
    const sequential = N / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let i = 0; i < N; i += 32) await Promise.all(Array.from({ length: Math.min(32, N - i) }, enqueue));
    const parallel = N / ((performance.now() - t0) / 1000);

    // Process the 2N queued jobs.
    const drained = new Promise<void>((resolve) => (allDone = resolve));
    t0 = performance.now();
    const worker = registerWorker('fit-ingest', { db: handle.db, log, now: () => new Date(), queue: queues }, {
      queues,
      concurrency: CONCURRENCY,
      closeOn: [],
      handler: (payload) => {
        processed++;
        done.get(payload.uploadId)?.();
        if (processed === 2 * N) allDone?.();
        return Promise.resolve({ status: 'imported' });
      },
    });
    await drained;
    const processRate = (2 * N) / ((performance.now() - t0) / 1000);

    // Latency: one job every 1/rate s to the now idle worker.
    const latencies: number[] = [];
    const waits: Promise<void>[] = [];
    for (let i = 0; i < LATENCY_JOBS; i++) {
      const uploadId = randomUUID();
      const start = performance.now();
      waits.push(new Promise<void>((resolve) => done.set(uploadId, () => (latencies.push(performance.now() - start), resolve()))));
      await queues.enqueue('fit-ingest', { uploadId });
      await new Promise((r) => setTimeout(r, 1000 / LATENCY_RATE_PER_S));
    }
    await Promise.all(waits);
    await worker.close();
    return {
      backend,
      'enqueue 1 at a time (jobs/s)': Math.round(sequential),
      'enqueue 32 at once (jobs/s)': Math.round(parallel),
      'process, concurrency 8 (jobs/s)': Math.round(processRate),
      'latency p50 (ms)': Number(quantile(latencies, 0.5).toFixed(1)),
      'latency p99 (ms)': Number(quantile(latencies, 0.99).toFixed(1)),
    };
  } finally {
    await queues.obliterate().catch(() => undefined);
    await queues.close();
    await handle.close();
  }
}

export async function benchQueues(): Promise<void> {
  const pg = await ensurePostgres();
  const redis = await ensureRedis();
  const dbName = `kt_bench_queues_${randomBytes(4).toString('hex')}`;
  await adminQuery(pg.url, `CREATE DATABASE ${dbName}`);
  const dbUrl = databaseUrl(pg.url, dbName);
  const log = createLogger('warn');
  const rows: Row[] = [];
  try {
    const prefix = `kt-bench-${randomBytes(4).toString('hex')}`;
    rows.push(await measure('Redis', new BullQueues({ redisUrl: redis.url, prefix, log }), dbUrl));
    await deleteKeys(redis.url, `${prefix}:*`);
    rows.push(await measure('Postgres (BullMQ PostgreSQL backend)', new BullQueues({ postgresUrl: dbUrl, log }), dbUrl));
    const cols = Object.keys(rows[0]!) as (keyof Row)[];
    console.log(`\n### Job queues (${N} no-op fit-ingest jobs; latency: ${LATENCY_JOBS} jobs at ${LATENCY_RATE_PER_S}/s to an idle worker)\n`);
    console.log(`| ${cols.join(' | ')} |`);
    console.log(`|${cols.map(() => ' --- ').join('|')}|`);
    for (const r of rows) console.log(`| ${cols.map((c) => String(r[c])).join(' | ')} |`);
  } finally {
    await adminQuery(pg.url, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await pg.stop();
    await redis.stop();
  }
}
