/**
 * Acceptance (issue 8): `kinetic worker` processes SIGKILLed in the middle of a Strava backfill, and
 * started again, lose and duplicate nothing; Strava failing (500s, timeouts, malformed replies) on the
 * way only delays it. Then the leak check: no access or refresh token, nor the client secret, appears
 * in the database, the worker logs (at debug level), the CLI's output or the job queues in Redis.
 */
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConnection } from '../../src/db/repositories/strava.ts';
import { connectWithCode } from '../../src/services/strava-connection.ts';
import { runCli } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { FakeClock, FakeStrava } from '../support/fake-strava.ts';
import { captureLogger, createTestQueues, waitFor, type TestQueues } from '../support/queues.ts';
import { stravaEnv, testStravaServices } from '../support/strava.ts';
import { startWorker, type WorkerProcess } from '../support/workers.ts';

const COUNT = 300;
const WORKER_ARGS = ['--queues', 'strava-sync,strava-activity,strava-event,analysis', '--concurrency', '3', '--lock-duration', '2000'];

/** Every value under the prefix, as text (job payloads, results, failure reasons, the rate budget). */
async function redisText(redisUrl: string, prefix: string): Promise<string> {
  const redis = new Redis(redisUrl);
  try {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'string') out.push(String(await redis.get(key)));
        else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'list') out.push((await redis.lrange(key, 0, -1)).join(' '));
        else if (type === 'set') out.push((await redis.smembers(key)).join(' '));
        else if (type === 'zset') out.push((await redis.zrange(key, '0', '-1')).join(' '));
        else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
      }
    } while (cursor !== '0');
    return out.join('\n');
  } finally {
    redis.disconnect();
  }
}

describe('Strava backfill survives killed workers and failing Strava; no token leaks', () => {
  let t: TestDb;
  let fake: FakeStrava;
  let q: TestQueues;
  const started: WorkerProcess[] = [];
  let athleteId = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDb('postgres');
    fake = await new FakeStrava({ clock: new FakeClock(new Date()) }).start();
    fake.limits = { overall: [20_000, 200_000], read: [10_000, 100_000] };
    const { log } = captureLogger();
    q = createTestQueues(log);
    env = { DATABASE_URL: t.url!, ...q.env, ...stravaEnv(fake), LOG_LEVEL: 'debug' };
  });
  afterAll(async () => {
    for (const w of started) if (w.alive()) w.child.kill('SIGKILL');
    await Promise.all(started.map((w) => w.exit));
    await q?.cleanup();
    await fake?.stop();
    await t?.drop();
  });

  it('SIGKILLed twice mid-backfill: every activity stored once, with its laps and streams once', { timeout: 600_000 }, async () => {
    const who = fake.addAthlete();
    const ids = fake.addHistory(who.id, { count: COUNT, end: new Date(), runShare: 0.7, seed: 9 });
    athleteId = (await connectWithCode(t.db, testStravaServices(fake), { code: fake.issueCode(who.id), scopes: 'read,activity:read_all', now: new Date() })).athlete.id;
    // Slow replies, so jobs are in flight when a worker dies; and some failures on the way.
    fake.latencyMs = 40;
    fake.fail('streams', '500', 3);
    fake.fail('detail', 'malformed', 2);
    fake.fail('list', '500', 1);
    await q.queues.enqueue('strava-sync', { athleteId, mode: 'backfill' });

    const spawn = (): WorkerProcess => {
      const w = startWorker(env, WORKER_ARGS);
      started.push(w);
      return w;
    };
    const detailsDone = (w: WorkerProcess): number => w.lines.filter((l) => l.msg === 'job completed' && l.queue === 'strava-activity').length;

    const a = spawn();
    await waitFor('the first worker to fetch 40 runs', () => detailsDone(a) >= 40, 120_000);
    a.child.kill('SIGKILL');
    await a.exit;
    const b = spawn();
    await waitFor('the second worker to fetch 60 more runs', () => detailsDone(b) >= 60, 120_000);
    b.child.kill('SIGKILL');
    await b.exit;
    const c = spawn();
    await waitFor(
      'the backfill to finish',
      async () => {
        const conn = await findConnection(t.db, athleteId);
        const pending = await t.db.selectFrom('strava_activities').select((eb) => eb.fn.countAll().as('n')).where('details_pending', '=', true).executeTakeFirstOrThrow();
        const counts = await q.queues.counts(['strava-sync', 'strava-activity']);
        const busy = Object.values(counts).reduce((n, x) => n + x.waiting + x.active + x.delayed, 0);
        return conn?.backfill_done_at !== null && Number(pending.n) === 0 && busy === 0;
      },
      300_000,
    );
    c.child.kill('SIGTERM');
    await c.exit;

    const stored = await t.db.selectFrom('activities').select(['id', 'source_id', 'category']).where('athlete_id', '=', athleteId).execute();
    expect(stored.length).toBe(COUNT);
    expect(new Set(stored.map((s) => s.source_id))).toEqual(new Set(ids));
    const runs = stored.filter((s) => s.category === 'run');
    const streams = await t.db.selectFrom('activity_streams').select('activity_id').execute();
    expect(streams.length).toBe(runs.length);
    // Laps: one per km of each run, never twice.
    const laps = await t.db
      .selectFrom('laps')
      .innerJoin('activities', 'activities.id', 'laps.activity_id')
      .select(['activities.source_id', 'activities.distance_m', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy(['activities.source_id', 'activities.distance_m'])
      .execute();
    expect(laps.length).toBe(runs.length);
    for (const l of laps) expect(Number(l.n)).toBe(Math.max(1, Math.ceil(l.distance_m! / 1000)));
    for (const queue of ['strava-sync', 'strava-activity'] as const) expect(await q.queues.failed(queue)).toEqual([]);
    // The kills cost a few repeated requests (the jobs in flight: a page being stored, runs being
    // fetched), not a second backfill: 2 pages + the one that answered 500 + at most 2 pages again.
    expect(fake.count('list')).toBeLessThanOrEqual(5);
    expect(fake.count('detail', 200)).toBeLessThan(runs.length + 15);
    const stalled = started.flatMap((w) => w.lines).filter((l) => l.msg.startsWith('job stalled'));
    expect(stalled.length).toBeGreaterThan(0);
  });

  it('no token or client secret in plain text in the database, the logs, the CLI output or Redis', { timeout: 300_000 }, async () => {
    // The CLI too: a sync from the command line, with its output.
    fake.latencyMs = 0;
    const cli = await runCli(['strava', 'sync', '--athlete', athleteId], { ...env, LOG_LEVEL: 'debug' });
    expect(cli.code, cli.stderr).toBe(0);
    const status = await runCli(['strava', 'status', '--json'], env);
    expect(status.stdout).toContain('"status":"active"');

    const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public'`.execute(t.db);
    const dbText: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await sql<{ t: string | null }>`select string_agg(row_to_json(x)::text, E'\n') as t from ${sql.table(table_name)} x`.execute(t.db);
      dbText.push(rows.rows[0]?.t ?? '');
    }
    const database = dbText.join('\n');
    const haystacks: Record<string, string> = {
      database,
      'worker logs': started.flatMap((w) => w.lines).map((l) => JSON.stringify(l)).join('\n'),
      'CLI output': cli.stdout + cli.stderr + status.stdout + status.stderr,
      redis: await redisText(q.redisUrl, q.prefix),
    };
    const secrets = [...fake.tokenHistory, fake.clientSecret];
    expect(fake.tokenHistory.size).toBeGreaterThanOrEqual(2);
    expect(database.length).toBeGreaterThan(10_000);
    expect(haystacks['worker logs']).toContain('strava-activity');
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets) {
        if (text.includes(secret)) throw new Error(`a Strava secret (${secret.slice(0, 4)}…) appears in the ${where}`);
      }
    }
  });
});
