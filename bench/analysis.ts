/**
 * Analysis throughput (issue 4): one athlete-week, and every week of N athletes × 1 year of
 * generated training, including database reads and writes. Activities are inserted directly as
 * normalized activities (the FIT encoder would take hours for 300,000 files); their samples, laps
 * and sets are exactly what the FIT synthesizer writes, so analysis sees the same data as after a
 * FIT import.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { AnalysisWorkerResult, AnalysisWorkerTask } from './analysis-worker.ts';
import { insertActivity } from '../src/db/repositories/activities.ts';
import { createAthlete } from '../src/db/repositories/athletes.ts';
import { replaceActivePlan } from '../src/db/repositories/plans.ts';
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Database } from '../src/db/schema.ts';
import type { NormalizedActivity } from '../src/domain/activity.ts';
import { runOrdered } from '../src/domain/pool.ts';
import { generatePlan } from '../src/plan/generate.ts';
import { addWeeks, isoWeekOf } from '../src/domain/iso-week.ts';
import { analyseWeeks } from '../src/services/analysis.ts';
import { historyActivities } from '../test/support/history.ts';
import { adminQuery, databaseUrl } from '../test/support/pg-admin.ts';
import { ensurePostgres } from '../test/support/services.ts';

const FROM = '2026-01-05';
const WEEKS = 52;

/** One athlete-year of activities (or `weeks` weeks from `from`), as the FIT import would store them. */
export function yearOfActivities(seed: number, from = FROM, weeks = WEEKS): NormalizedActivity[] {
  return historyActivities({ from, weeks, seed });
}

/** Distinct generated athlete-years; the other athletes are copies of these (see `cloneAthlete`). */
const TEMPLATES = 4;

export async function seedAthlete(db: Kysely<Database>, n: number, activities: NormalizedActivity[]): Promise<string> {
  const athlete = await createAthlete(db, { name: `Athlete ${n}`, email: null, sex: n % 2 === 0 ? 'f' : 'm', max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null });
  const plan = generatePlan({ raceDate: '2026-12-27', weeks: 16 });
  await db.transaction().execute(async (trx) => {
    await replaceActivePlan(trx, { athleteId: athlete.id, plan, source: 'generated', now: new Date() });
    for (const a of activities) {
      await insertActivity(trx, { athleteId: athlete.id, activity: a, localDate: a.startTime.toISOString().slice(0, 10), timezone: 'UTC' });
    }
  });
  return athlete.id;
}

/**
 * A copy of a seeded athlete under a new id, in SQL: activities, laps, sets, streams and the plan
 * with fresh ids. Inserting 364 activities through the repository costs ~1 s per athlete (27 min
 * for 1,000); the copy gives the analysis the same rows in a fraction of that.
 */
export async function cloneAthlete(db: Kysely<Database>, source: string, n: number): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const id = (
      await sql<{ id: string }>`INSERT INTO athletes (name, sex, units, timezone)
        SELECT ${`Athlete ${n}`}, ${n % 2 === 0 ? 'f' : 'm'}, units, timezone FROM athletes WHERE id = ${source} RETURNING id`.execute(trx)
    ).rows[0]!.id;
    await sql`CREATE TEMP TABLE amap ON COMMIT DROP AS SELECT id AS old, gen_random_uuid() AS new FROM activities WHERE athlete_id = ${source}`.execute(trx);
    await sql`CREATE TEMP TABLE pmap ON COMMIT DROP AS SELECT id AS old, gen_random_uuid() AS new FROM plans WHERE athlete_id = ${source}`.execute(trx);
    const copy = async (table: string, key: string, map: string, extra: Record<string, string> = {}): Promise<void> => {
      const cols = (await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns WHERE table_name = ${table} AND table_schema = current_schema() ORDER BY ordinal_position`.execute(trx)).rows.map((r) => r.column_name);
      const values = cols.map((c) => (c === key ? 'm.new' : c in extra ? extra[c]! : `t.${c}`));
      await sql.raw(`INSERT INTO ${table} (${cols.join(', ')}) SELECT ${values.join(', ')} FROM ${table} t JOIN ${map} m ON t.${key} = m.old`).execute(trx);
    };
    const athlete = { athlete_id: `'${id}'::uuid` };
    await copy('activities', 'id', 'amap', athlete);
    for (const t of ['laps', 'strength_sets', 'activity_streams']) await copy(t, 'activity_id', 'amap');
    await copy('plans', 'id', 'pmap', athlete);
    await copy('planned_sessions', 'plan_id', 'pmap', { id: 'gen_random_uuid()' });
    return id;
  });
}

/**
 * The bench database: `BENCH_DB=name` keeps it (and reuses it on the next run, analysis results
 * cleared, when it holds that many athletes); otherwise a throwaway one. `training` picks the seeded
 * weeks (default the year from FROM) and `name` the throwaway database's name (other benchmarks).
 */
export async function benchDatabase(
  serverUrl: string,
  athletes: number,
  opts: { name?: string; training?: { from: string; weeks: number } } = {},
): Promise<{ db: Kysely<Database>; url: string; ids: string[]; seedS: number | null; close: () => Promise<void> }> {
  const keep = process.env.BENCH_DB;
  const dbName = keep ?? `kinetic_bench_${opts.name ?? 'analysis'}_${process.pid}`;
  const exists = keep !== undefined && (await adminQuery(serverUrl, `SELECT 1 FROM pg_database WHERE datname = '${keep}'`)).length > 0;
  if (!exists) await adminQuery(serverUrl, `CREATE DATABASE ${dbName}`);
  const url = databaseUrl(serverUrl, dbName);
  const handle = connect({ databaseUrl: url, poolSize: 4 });
  const close = async (): Promise<void> => {
    await handle.close();
    if (keep === undefined) await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    else console.log(`kept database ${dbName} (BENCH_DB)`);
  };
  await migrateToLatest(handle.db);
  const db = handle.db;
  let ids = (await db.selectFrom('athletes').select('id').orderBy('name').execute()).map((r) => r.id);
  let seedS: number | null = null;
  if (ids.length !== athletes) {
    if (ids.length > 0) throw new Error(`BENCH_DB ${dbName} holds ${ids.length} athletes, not ${athletes}: drop it or pick another name`);
    const t0 = Date.now();
    const templates: string[] = [];
    for (let n = 0; n < Math.min(TEMPLATES, athletes); n++) templates.push(await seedAthlete(db, n, yearOfActivities(11 + n, opts.training?.from, opts.training?.weeks)));
    const clones = Array.from({ length: athletes - templates.length }, (_, i) => () => cloneAthlete(db, templates[i % templates.length]!, templates.length + i));
    ids = [...templates];
    await runOrdered(clones, 2, (id) => ids.push(id));
    await sql`VACUUM ANALYZE`.execute(db);
    seedS = (Date.now() - t0) / 1000;
  } else {
    for (const t of ['activity_metrics', 'week_compliance', 'daily_load', 'athlete_physiology'] as const) await db.deleteFrom(t).execute();
    await sql`VACUUM ANALYZE`.execute(db);
  }
  return { db, url, ids, seedS, close };
}

/** Processes that analyse at once (like `kinetic worker` processes on the analysis queue). */
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 2);

/**
 * Every week of every athlete, one batch per athlete, split over `PROCESSES` child processes with two
 * athletes in flight each. Returns the wall time from the first task handed out to the last process
 * done (start-up excluded) and the largest peak RSS of one process.
 */
export async function analyseAll(url: string, ids: string[], weeks: string[], now: Date): Promise<{ seconds: number; peakRss: number }> {
  const children = Array.from({ length: PROCESSES }, () =>
    fork(fileURLToPath(new URL('./analysis-worker.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
  );
  // The clock starts when every child has loaded its modules.
  await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
  const t = process.hrtime.bigint();
  const results = await Promise.all(
    children.map(
      (child, k) =>
        new Promise<AnalysisWorkerResult>((resolve, reject) => {
          child.once('message', (r: AnalysisWorkerResult) => resolve(r));
          child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`analysis worker exited with ${code}`))));
          const task: AnalysisWorkerTask = { databaseUrl: url, athleteIds: ids.filter((_, i) => i % PROCESSES === k), weeks, now: now.toISOString() };
          child.send(task);
        }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  return { seconds, peakRss: Math.max(...results.map((r) => r.peakRss)) };
}

export async function benchAnalysis(athletes = Number(process.env.BENCH_ATHLETES ?? 1000)): Promise<void> {
  const pg = await ensurePostgres();
  const { db, url, ids, seedS, close } = await benchDatabase(pg.url, athletes);
  try {
    const weeks = Array.from({ length: WEEKS }, (_, i) => addWeeks(isoWeekOf(FROM), i));
    const now = new Date('2027-01-05T00:00:00Z');
    const activities = Number((await db.selectFrom('activities').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const samples = Number((await db.selectFrom('activity_streams').select((eb) => eb.fn.sum<string>('sample_count').as('n')).executeTakeFirstOrThrow()).n);

    // Cold: no stored metrics, every activity's samples are read and analysed (what a new analysis
    // version or a changed heart-rate profile costs).
    const cold = await analyseAll(url, ids, weeks, now);
    // Plan changed: every athlete gets a new plan (race a week earlier), so every week's matching,
    // compliance, advice and stored document change; activity metrics are reused.
    await runOrdered(
      ids.map((id) => () => db.transaction().execute((trx) => replaceActivePlan(trx, { athleteId: id, plan: generatePlan({ raceDate: '2026-12-20', weeks: 16 }), source: 'generated', now }))),
      2,
      () => undefined,
    );
    const plan = await analyseAll(url, ids, weeks, now);
    // Nothing changed: the same pass again (reads, the whole computation and the writes).
    const again = await analyseAll(url, ids, weeks, now);
    const peak = Math.max(cold.peakRss, plan.peakRss, again.peakRss);

    // One athlete-week (the job after a new activity in the current week): median of 30.
    const single: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = process.hrtime.bigint();
      await analyseWeeks(db, ids[i % ids.length]!, [weeks.at(-1)!], now);
      single.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    single.sort((a, b) => a - b);

    const n = athletes * WEEKS;
    const rate = (s: number): string => `${n} in ${s.toFixed(1)} s = **${(n / s).toFixed(0)} /s**`;
    console.log(`\n### Analysis (${athletes} athletes × ${WEEKS} weeks, ${activities} activities, ${samples} samples)\n`);
    console.log('| measure | value |\n| --- | --- |');
    if (seedS !== null) console.log(`| seeding (${Math.min(TEMPLATES, athletes)} athletes inserted, the others copied in SQL) | ${seedS.toFixed(0)} s |`);
    console.log(`| one athlete-week (the job after a new activity), median / p90 | ${single[15]!.toFixed(1)} ms / ${single[27]!.toFixed(1)} ms |`);
    console.log(`| all athlete-weeks, cold (every activity's metrics from its samples) | ${rate(cold.seconds)} |`);
    console.log(`| all athlete-weeks after a plan change (metrics reused, everything else redone and rewritten) | ${rate(plan.seconds)} |`);
    console.log(`| all athlete-weeks again, nothing changed | ${rate(again.seconds)} |`);
    console.log(`| analysing processes; peak RSS of one | ${PROCESSES}; ${(peak / 2 ** 20).toFixed(0)} MiB |`);
  } finally {
    await close();
    await pg.stop();
  }
}
