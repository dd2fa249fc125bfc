/**
 * HTTP API load check (issue 6): autocannon against a `kinetic serve` process (Postgres + Redis, the
 * production shape), on the upload endpoint and the read endpoints, reporting requests/s and p50/p99
 * latency.
 *
 * - Reads: an athlete with 16 weeks of generated training (imported and analysed first): the upload
 *   status, a page of 50 activities, and a stored week document. /healthz is the floor (routing,
 *   logging, no database).
 * - Uploads: one 122 kB FIT file per request (a real watch file, `run-garmin-fenix2-hr.fit`, with
 *   four bytes varied per request so every request is a new upload: stored with its sha256 and
 *   queued on BullMQ). No worker runs during the measurement: this is the API's intake, not parsing
 *   (docs/PERFORMANCE.md has FIT ingest).
 *
 * BENCH_API_SECONDS (default 10) per endpoint, BENCH_API_CONNECTIONS (default 10).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pino from 'pino';
import { hashToken, newApiToken } from '../src/services/api-tokens.ts';
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { insertApiToken } from '../src/db/repositories/api-tokens.ts';
import { createAthlete } from '../src/db/repositories/athletes.ts';
import { importFitFile } from '../src/services/fit-import.ts';
import { isoWeekOf } from '../src/domain/iso-week.ts';
import { analyseWeeks } from '../src/services/analysis.ts';
import { encodeMulti } from '../src/synth/fit.ts';
import { generateTraining } from '../src/synth/training.ts';
import { BullQueues } from '../src/jobs/bullmq.ts';
import { BIN } from '../test/support/cli.ts';
import { FIXTURE_DIR } from '../test/support/fixtures.ts';
import { adminQuery, databaseUrl } from '../test/support/pg-admin.ts';
import { ensurePostgres, ensureRedis } from '../test/support/services.ts';

const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 10);
const BOUNDARY = '----kineticbench';

interface Row {
  endpoint: string;
  connections: number;
  requests: number;
  'req/s': number;
  'p50 ms': number;
  'p99 ms': number;
  'non-2xx': number;
  errors: number;
}

async function measure(name: string, opts: autocannon.Options): Promise<Row> {
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts });
  return {
    endpoint: name,
    connections: CONNECTIONS,
    requests: r.requests.total,
    'req/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    'non-2xx': r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/** The i-th upload body: the same FIT file with four bytes varied, so every request is a new upload. */
function uploadBodyMaker(): (i: number) => Buffer {
  const base = fs.readFileSync(path.join(FIXTURE_DIR, 'run-garmin-fenix2-hr.fit'));
  const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="run.fit"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const salt = randomBytes(4).readUInt32BE();
  return (i) => {
    const body = Buffer.concat([head, base, tail]);
    body.writeUInt32BE((salt + i) >>> 0, head.length + base.length - 6);
    return body;
  };
}

export async function benchApi(): Promise<void> {
  const pg = await ensurePostgres();
  const redis = await ensureRedis();
  const dbName = `kinetic_bench_api_${process.pid}`;
  const prefix = `kinetic-bench-${process.pid}`;
  await adminQuery(pg.url, `DROP DATABASE IF EXISTS ${dbName}`);
  await adminQuery(pg.url, `CREATE DATABASE ${dbName}`);
  const url = databaseUrl(pg.url, dbName);
  const handle = connect({ databaseUrl: url, poolSize: 4 });
  const queues = new BullQueues({ redisUrl: redis.url, prefix, log: pino({ level: 'silent' }) });
  let server: ReturnType<typeof spawn> | undefined;
  try {
    await migrateToLatest(handle.db);
    const athlete = await createAthlete(handle.db, { name: 'Bench', email: null, sex: 'f', max_hr: 188, resting_hr: 50, lthr: 170, threshold_speed_mps: null, timezone: 'UTC' });
    const token = newApiToken();
    await insertApiToken(handle.db, athlete.id, hashToken(token));
    const sessions = generateTraining({ from: '2026-01-05', weeks: 16, seed: 6 });
    const now = (): Date => new Date('2026-05-01T12:00:00Z');
    let uploadId = '';
    for (const [i, s] of sessions.entries()) {
      const res = await importFitFile(handle.db, { athleteId: athlete.id, filename: `gen-${i}.fit`, bytes: encodeMulti([s.session]) }, now);
      if (res.status === 'failed') throw new Error(res.error);
      uploadId = res.uploadId;
    }
    const weeks = [...new Set(sessions.map((s) => isoWeekOf(s.date)))].sort();
    await analyseWeeks(handle.db, athlete.id, weeks, now());
    const week = weeks[weeks.length - 2]!;

    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KINETIC_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL'));
    server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { ...base, DATABASE_URL: url, REDIS_URL: redis.url, KINETIC_QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const address = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      server!.stderr!.on('data', (d: Buffer) => {
        buffered += d.toString();
        const m = /"address":"(http:[^"]+)"/.exec(buffered);
        if (m !== null) resolve(m[1]!);
        if (buffered.length > 1e6) buffered = buffered.slice(-1000);
      });
      server!.on('exit', (code) => reject(new Error(`kinetic serve exited with ${code}: ${buffered.slice(-2000)}`)));
    });

    const loadBefore = os.loadavg().map((l) => l.toFixed(1)).join(' ');
    const auth = { authorization: `Bearer ${token}` };
    const rows: Row[] = [];
    rows.push(await measure('GET /healthz', { url: `${address}/healthz` }));
    rows.push(await measure('GET /uploads/:id', { url: `${address}/uploads/${uploadId}`, headers: auth }));
    rows.push(await measure('GET /athletes/:id/activities (50)', { url: `${address}/athletes/${athlete.id}/activities?limit=50`, headers: auth }));
    rows.push(await measure(`GET /athletes/:id/weeks/:isoWeek (stored)`, { url: `${address}/athletes/${athlete.id}/weeks/${week}`, headers: auth }));
    const bodyOf = uploadBodyMaker();
    let next = 0;
    rows.push(
      await measure('POST /athletes/:id/uploads (1 × 122 kB FIT)', {
        url: address,
        requests: [
          {
            method: 'POST',
            path: `/athletes/${athlete.id}/uploads`,
            headers: { ...auth, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
            setupRequest: (req) => ({ ...req, body: bodyOf(next++) }),
          },
        ],
      }),
    );
    // Requests still in flight when autocannon stopped finish first.
    await new Promise((r) => setTimeout(r, 1000));
    const stored = await handle.db.selectFrom('uploads').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'queued').executeTakeFirstOrThrow();
    const counts = await queues.counts(['fit-ingest']);

    const cols = Object.keys(rows[0]!) as (keyof Row)[];
    console.log(`\n### HTTP API (autocannon, ${CONNECTIONS} connections, ${SECONDS} s per endpoint; kinetic serve on Postgres + Redis, LOG_LEVEL=info)\n`);
    console.log(`load average before / after: ${loadBefore} / ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    console.log(`| ${cols.join(' | ')} |`);
    console.log(`|${cols.map(() => ' --- ').join('|')}|`);
    for (const r of rows) console.log(`| ${cols.map((c) => String(r[c])).join(' | ')} |`);
    console.log(`\nuploads stored and queued during the run: ${Number(stored.n)} (fit-ingest jobs waiting: ${counts['fit-ingest'].waiting})`);
  } finally {
    if (server !== undefined && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await queues.obliterate().catch(() => undefined);
    await queues.close();
    await handle.close();
    await adminQuery(pg.url, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await redis.stop();
    await pg.stop();
  }
}
