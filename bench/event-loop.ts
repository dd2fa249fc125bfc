/**
 * The event loop of `kinetic serve` in embedded mode (issue #17 items 5 and 6): how long the process
 * leaves its event loop blocked while it works in the background, measured inside the server
 * (perf_hooks.monitorEventLoopDelay, bench/event-loop-preload.js) and from outside (a GET /healthz
 * every 50 ms, and an authenticated GET that reads the database every 250 ms, each waiting for its
 * answer before the next).
 *
 * Two views of the delay (bench/event-loop-preload.js): monitorEventLoopDelay's histogram (one sample
 * per turn of the loop: a stall of minutes is one sample, and its p99 hides it), and the wait of a
 * request arriving at a random moment (each stall weighed by its length), with the share of time
 * spent in stalls of 200 ms or more.
 *
 * The server is the real command (`bin/kinetic.js serve`, compiled build) on an embedded database
 * (PGlite, jobs in-process), seeded first with an athlete's years of generated training
 * (src/synth, as in bench/analysis.ts; BENCH_EVENT_LOOP_WEEKS, default 630: January 2013 to the
 * end of 2024) with every week analysed. Two phases (BENCH_EVENT_LOOP_ENTRY_MB, default 45, sizes the
 * files of the first):
 *
 * - **upload**: POST one zip of five 45 MB FIT files (bench/big-fit.ts) to /athletes/:id/uploads (a
 *   second athlete's, so that the files stay out of the first one's history), until every upload has
 *   its final status;
 * - **settings**: PATCH /athletes/:id with a new threshold pace (every week's analysis depends on it),
 *   until the re-analysis is complete (`GET /athletes/:id/analysis-status`; a build without it: until
 *   the last week's stored document has the new pace).
 *
 * Goal: event-loop delay p99 under 200 ms in both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { insertActivity } from '../src/db/repositories/activities.ts';
import { insertApiToken } from '../src/db/repositories/api-tokens.ts';
import { createAthlete } from '../src/db/repositories/athletes.ts';
import { replaceActivePlan } from '../src/db/repositories/plans.ts';
import { addDays, addWeeks, isoWeekOf } from '../src/domain/iso-week.ts';
import { generatePlan } from '../src/plan/generate.ts';
import { analyseWeeks } from '../src/services/analysis.ts';
import { hashToken, newApiToken } from '../src/services/api-tokens.ts';
import { yearOfActivities } from './analysis.ts';
import { bigFitZip } from './big-fit.ts';
import { BIN, buildOnce } from './cli-process.ts';

const WEEKS = Number(process.env.BENCH_EVENT_LOOP_WEEKS ?? 630);
const FIRST_MONDAY = '2013-01-07';
const ENTRIES = 5;
const ENTRY_BYTES = Number(process.env.BENCH_EVENT_LOOP_ENTRY_MB ?? 45) * 1024 * 1024;
const PRELOAD = new URL('./event-loop-preload.js', import.meta.url).href;
const PHASE_LIMIT_MS = 30 * 60_000;
/** Threshold pace before and after the settings change: 4:30/km, then 4:20/km. */
const PACE_BEFORE_MPS = 1000 / 270;
const PACE_AFTER = '4:20/km';
const PACE_AFTER_MPS = 1000 / 260;

interface Seeded {
  athleteId: string;
  token: string;
  /** A second athlete, without history, who uploads the zip (so that its files stay out of the first one's re-analysis). */
  uploaderId: string;
  uploaderToken: string;
  weeks: string[];
  activities: number;
  seedS: number;
  analyseS: number;
}

/** The athlete and their history, written to the embedded database in `dataDir`, every week analysed. */
async function seed(dataDir: string): Promise<Seeded> {
  const t0 = performance.now();
  const handle = connect({ dataDir });
  try {
    const db = handle.db;
    await migrateToLatest(db);
    const athlete = await createAthlete(db, { name: 'Years', email: null, sex: 'f', max_hr: 188, resting_hr: 50, lthr: 170, threshold_speed_mps: PACE_BEFORE_MPS, timezone: 'UTC' });
    const token = newApiToken();
    await insertApiToken(db, athlete.id, hashToken(token));
    const uploader = await createAthlete(db, { name: 'Uploader', email: null, sex: 'm', max_hr: 190, resting_hr: 48, lthr: null, threshold_speed_mps: null, timezone: 'UTC' });
    const uploaderToken = newApiToken();
    await insertApiToken(db, uploader.id, hashToken(uploaderToken));
    let activities = 0;
    for (let done = 0, year = 0; done < WEEKS; done += 52, year++) {
      const chunk = yearOfActivities(100 + year, addDays(FIRST_MONDAY, done * 7), Math.min(52, WEEKS - done));
      await db.transaction().execute(async (trx) => {
        for (const [i, a] of chunk.entries()) {
          await insertActivity(trx, { athleteId: athlete.id, activity: { ...a, sourceId: `y${year}-${i}` }, localDate: a.startTime.toISOString().slice(0, 10), timezone: 'UTC' });
        }
      });
      activities += chunk.length;
    }
    const lastMonday = addDays(FIRST_MONDAY, (WEEKS - 1) * 7);
    await db.transaction().execute((trx) => replaceActivePlan(trx, { athleteId: athlete.id, plan: generatePlan({ raceDate: addDays(lastMonday, 6), weeks: 16 }), source: 'generated', now: new Date() }));
    const weeks: string[] = [];
    for (let w = isoWeekOf(FIRST_MONDAY); weeks.length < WEEKS; w = addWeeks(w, 1)) weeks.push(w);
    const seedS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    for (let i = 0; i < weeks.length; i += 52) await analyseWeeks(db, athlete.id, weeks.slice(i, i + 52), new Date());
    return { athleteId: athlete.id, token, uploaderId: uploader.id, uploaderToken, weeks, activities, seedS, analyseS: (performance.now() - t1) / 1000 };
  } finally {
    await handle.close();
  }
}

interface Server {
  child: ChildProcess;
  base: string;
  eldFile: string;
  stop(): Promise<void>;
}

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `kinetic serve` on the embedded database in `dataDir`, logging warnings only; resolves once /healthz answers. */
async function startServer(dataDir: string): Promise<Server> {
  const eldFile = path.join(dataDir, '..', 'event-loop.json');
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KINETIC_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL' && k !== 'PORT'));
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], {
    // No rate limit: the probes below send ~25 requests a second from one address.
    env: { ...env, KINETIC_DATA_DIR: dataDir, KINETIC_API_RATE_LIMIT: '0', LOG_LEVEL: 'warn', NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --import ${PRELOAD}`.trim(), BENCH_ELD_FILE: eldFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  const base = `http://127.0.0.1:${port}`;
  for (const started = performance.now(); ; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`kinetic serve exited with ${child.exitCode}: ${log}`);
    if (performance.now() - started > 120_000) throw new Error(`kinetic serve did not answer within 2 minutes: ${log}`);
    if ((await fetch(`${base}/healthz`).catch(() => undefined))?.ok === true) break;
  }
  return {
    child,
    base,
    eldFile,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      if (log.trim() !== '') console.log(`\nkinetic serve logged (warnings and errors, last 2,000 characters):\n${log.slice(-2000)}`);
    },
  };
}

interface EventLoopStats {
  seq: number;
  seconds: number;
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** Wait of a request arriving at a random moment of the phase: median and p99 (bench/event-loop-preload.js). */
  arrivalP50: number;
  arrivalP99: number;
  /** Share of the phase spent in stalls of 200 ms or more. */
  stalledShare: number;
}

/** The server's last window, or undefined while there is none or it is being written (read half-written: retry). */
function readWindow(server: Server): EventLoopStats | undefined {
  try {
    return JSON.parse(fs.readFileSync(server.eldFile, 'utf8')) as EventLoopStats;
  } catch {
    return undefined;
  }
}

/** What the server measured since the previous call (and a fresh start for the next). */
async function eventLoopWindow(server: Server): Promise<EventLoopStats> {
  let before = readWindow(server);
  for (let tries = 0; before === undefined && fs.existsSync(server.eldFile) && tries < 50; tries++) {
    await sleep(20);
    before = readWindow(server);
  }
  server.child.kill('SIGUSR2');
  for (;;) {
    await sleep(20);
    const stats = readWindow(server);
    if (stats !== undefined && stats.seq > (before?.seq ?? 0)) return stats;
  }
}

/** Sends `request` again and again, `everyMs` apart, each once the previous answered; collects the round trips (ms). */
function prober(request: () => Promise<Response>, everyMs: number): { stop(): Promise<number[]> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      const res = await request().catch(() => undefined);
      await res?.arrayBuffer().catch(() => undefined);
      times.push(performance.now() - t);
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return times;
    },
  };
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

interface PhaseResult {
  phase: string;
  requestMs: number;
  doneS: number;
  outcome: string;
  eld: EventLoopStats;
  healthz: number[];
  read: number[];
  load: string;
}

async function phase(name: string, server: Server, auth: Record<string, string>, athleteId: string, work: () => Promise<{ requestMs: number; done: () => Promise<string | undefined> }>): Promise<PhaseResult> {
  await eventLoopWindow(server); // starts the window
  const loadBefore = os.loadavg()[0]!;
  const t0 = performance.now();
  const healthz = prober(() => fetch(`${server.base}/healthz`), 50);
  const read = prober(() => fetch(`${server.base}/athletes/${athleteId}`, { headers: auth }), 250);
  const { requestMs, done } = await work();
  let outcome: string | undefined;
  // A connection the server closed while it was blocked (ECONNRESET): ask again.
  while ((outcome = await done().catch(() => undefined)) === undefined) {
    if (performance.now() - t0 > PHASE_LIMIT_MS) throw new Error(`${name}: not done within ${PHASE_LIMIT_MS / 60_000} minutes`);
    await sleep(1000);
  }
  const doneS = (performance.now() - t0) / 1000;
  const eld = await eventLoopWindow(server);
  return { phase: name, requestMs, doneS, outcome, eld, healthz: await healthz.stop(), read: await read.stop(), load: `${loadBefore.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)}` };
}

export async function benchEventLoop(): Promise<void> {
  buildOnce();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-bench-event-loop-'));
  const dataDir = path.join(root, 'data');
  let server: Server | undefined;
  try {
    const seeded = await seed(dataDir);
    console.log(`\nseeded ${seeded.weeks.length} weeks (${seeded.weeks[0]} … ${seeded.weeks.at(-1)}), ${seeded.activities} activities in ${seeded.seedS.toFixed(0)} s; analysed in ${seeded.analyseS.toFixed(0)} s`);
    const zip = await bigFitZip(ENTRIES, ENTRY_BYTES);
    server = await startServer(dataDir);
    const s = server;
    const auth = { authorization: `Bearer ${seeded.token}` };
    const results: PhaseResult[] = [];

    results.push(
      await phase('idle (10 s, nothing to do)', s, auth, seeded.athleteId, () => {
        const until = performance.now() + 10_000;
        return Promise.resolve({ requestMs: 0, done: () => Promise.resolve(performance.now() > until ? 'idle' : undefined) });
      }),
    );

    results.push(
      await phase(`upload: one ${(zip.length / 1024).toFixed(0)} kB zip of ${ENTRIES} × ${ENTRY_BYTES / 2 ** 20} MB FIT files`, s, auth, seeded.athleteId, async () => {
        const form = new FormData();
        form.append('file', new Blob([zip], { type: 'application/zip' }), 'export.zip');
        const t = performance.now();
        const uploaderAuth = { authorization: `Bearer ${seeded.uploaderToken}` };
        const res = await fetch(`${s.base}/athletes/${seeded.uploaderId}/uploads`, { method: 'POST', headers: uploaderAuth, body: form });
        const requestMs = performance.now() - t;
        const body = (await res.json()) as { uploads?: { id: string }[] };
        if (res.status !== 202 || body.uploads === undefined) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body)}`);
        const ids = body.uploads.map((u) => u.id);
        return {
          requestMs,
          done: async () => {
            const statuses = await Promise.all(ids.map(async (id) => ((await (await fetch(`${s.base}/uploads/${id}`, { headers: uploaderAuth })).json()) as { status: string; error?: string | null })));
            if (statuses.some((u) => u.status === 'queued' || u.status === 'processing')) return undefined;
            return statuses.map((u) => `${u.status}${u.error ? ` (${u.error})` : ''}`).join('; ');
          },
        };
      }),
    );

    results.push(
      await phase(`settings: threshold pace changed, ${seeded.weeks.length} weeks re-analysed`, s, auth, seeded.athleteId, async () => {
        const t = performance.now();
        const res = await fetch(`${s.base}/athletes/${seeded.athleteId}`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ thresholdPace: PACE_AFTER }) });
        const requestMs = performance.now() - t;
        if (res.status !== 200) throw new Error(`PATCH answered ${res.status}: ${await res.text()}`);
        const lastWeek = seeded.weeks.at(-1)!;
        return {
          requestMs,
          done: async () => {
            const status = await fetch(`${s.base}/athletes/${seeded.athleteId}/analysis-status`, { headers: auth });
            if (status.status === 200) {
              const st = (await status.json()) as { status: string; weeksDone: number; weeksTotal: number };
              return st.status === 'up_to_date' ? `up to date (${st.weeksDone} of ${st.weeksTotal} weeks)` : undefined;
            }
            await status.arrayBuffer();
            // A build without the status endpoint: the weeks are analysed in order, the last one last.
            const week = (await (await fetch(`${s.base}/athletes/${seeded.athleteId}/weeks/${lastWeek}`, { headers: auth })).json()) as { physiology?: { thresholdSpeedMps?: { value: number } | null } };
            const pace = week.physiology?.thresholdSpeedMps?.value;
            return pace !== undefined && Math.abs(pace - PACE_AFTER_MPS) < 1e-6 ? `last week (${lastWeek}) has the new pace` : undefined;
          },
        };
      }),
    );

    console.log(`\n### Event loop of serve (embedded mode: PGlite, jobs in-process)\n`);
    console.log(`${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
    console.log(
      '| phase | request ms | done after s | event-loop delay p50 / p99 / max ms (samples) | wait at a random moment p50 / p99 ms | time in stalls ≥ 200 ms | GET /healthz p99 / max ms (n) | GET /athletes/:id p99 / max ms (n) | load avg (1 min) | outcome |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results) {
      const e = r.eld;
      const p = (xs: number[]): string => `${percentile(xs, 99).toFixed(0)} / ${Math.max(...xs).toFixed(0)} (${xs.length})`;
      console.log(
        `| ${r.phase} | ${r.requestMs.toFixed(0)} | ${r.doneS.toFixed(1)} | ${e.p50} / **${e.p99}** / ${e.max} (${e.samples}) | ${e.arrivalP50.toFixed(0)} / **${e.arrivalP99.toFixed(0)}** | ${(e.stalledShare * 100).toFixed(0)} % | ${p(r.healthz)} | ${p(r.read)} | ${r.load} | ${r.outcome} |`,
      );
    }
  } finally {
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
