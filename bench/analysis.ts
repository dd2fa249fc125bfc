/**
 * Analysis throughput (issue 4): one athlete-week, and every week of N athletes × 1 year of
 * generated training, including database reads and writes. Activities are inserted directly as
 * normalized activities (the FIT encoder would take hours for 300,000 files); their samples, laps
 * and sets are exactly what the FIT synthesizer writes, so analysis sees the same data as after a
 * FIT import.
 */
import type { Kysely } from 'kysely';
import { insertActivity } from '../src/db/repositories/activities.ts';
import { createAthlete } from '../src/db/repositories/athletes.ts';
import { replaceActivePlan } from '../src/db/repositories/plans.ts';
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Database } from '../src/db/schema.ts';
import type { NormalizedActivity } from '../src/domain/activity.ts';
import { runOrdered } from '../src/domain/pool.ts';
import { generatePlan } from '../src/plan/generate.ts';
import { addWeeks, isoWeekOf } from '../src/plan/iso-week.ts';
import { analyseWeeks } from '../src/services/analysis.ts';
import { expectedMulti } from '../src/synth/fit.ts';
import { generateTraining } from '../src/synth/training.ts';
import { adminQuery, databaseUrl } from '../test/support/pg-admin.ts';
import { ensurePostgres } from '../test/support/services.ts';

const FROM = '2026-01-05';
const WEEKS = 52;

/** One athlete-year of activities, as the FIT import would store them. */
function yearOfActivities(): NormalizedActivity[] {
  return generateTraining({ from: FROM, weeks: WEEKS, seed: 11 }).map((g, i) => {
    const s = expectedMulti([g.session]).sessions[0]!;
    return {
      source: 'fit',
      sourceId: `bench-${i}`,
      sport: s.sport,
      subSport: s.subSport === 'generic' ? null : s.subSport,
      category: s.category,
      name: null,
      startTime: s.startTime,
      elapsedS: s.elapsedS,
      movingS: s.movingS,
      distanceM: s.category === 'strength' ? null : s.distanceM,
      ascentM: s.ascentM,
      avgHr: s.avgHr,
      maxHr: s.maxHr,
      calories: s.calories,
      device: 'garmin fr965',
      laps: s.laps.map((l) => ({ ...l })),
      sets: s.sets.map((x) => ({ ...x })),
      streams: s.streams,
    };
  });
}

async function seedAthlete(db: Kysely<Database>, n: number, activities: NormalizedActivity[]): Promise<string> {
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

function peakRss(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

export async function benchAnalysis(athletes = Number(process.env.BENCH_ATHLETES ?? 1000)): Promise<void> {
  const pg = await ensurePostgres();
  const dbName = `kinetic_bench_analysis_${process.pid}`;
  await adminQuery(pg.url, `CREATE DATABASE ${dbName}`);
  const handle = connect({ databaseUrl: databaseUrl(pg.url, dbName), poolSize: 4 });
  try {
    await migrateToLatest(handle.db);
    const t0 = Date.now();
    const year = yearOfActivities();
    const ids: string[] = [];
    await runOrdered(
      Array.from({ length: athletes }, (_, n) => () => seedAthlete(handle.db, n, year)),
      3,
      (id) => ids.push(id),
    );
    const seedS = (Date.now() - t0) / 1000;
    const weeks = Array.from({ length: WEEKS }, (_, i) => addWeeks(isoWeekOf(FROM), i));
    const now = new Date('2027-01-05T00:00:00Z');

    // Every week of every athlete, cold (no stored metrics: every activity's samples are read and
    // analysed): one batch per athlete, two athletes in flight.
    const mem = peakRss();
    const t1 = process.hrtime.bigint();
    await runOrdered(ids.map((id) => () => analyseWeeks(handle.db, id, weeks, now)), 2, () => undefined);
    const coldS = Number(process.hrtime.bigint() - t1) / 1e9;
    // Again, warm: activity metrics are reused (as after a plan change); matching, compliance,
    // load, recommendations and writes are all redone.
    const t2 = process.hrtime.bigint();
    await runOrdered(ids.map((id) => () => analyseWeeks(handle.db, id, weeks, now)), 2, () => undefined);
    const warmS = Number(process.hrtime.bigint() - t2) / 1e9;
    const peak = mem.stop();

    // One athlete-week (the job after a new activity in the current week): median of 30.
    const single: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = process.hrtime.bigint();
      await analyseWeeks(handle.db, ids[i % ids.length]!, [weeks.at(-1)!], now);
      single.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    single.sort((a, b) => a - b);

    const activities = year.length * athletes;
    console.log(`\n### Analysis (${athletes} athletes × ${WEEKS} weeks, ${activities} activities, ${year.reduce((n, a) => n + (a.streams?.t.length ?? 0), 0) * athletes} samples)\n`);
    console.log('| measure | value |\n| --- | --- |');
    console.log(`| seeding (insert activities, laps, sets, streams, plans) | ${seedS.toFixed(0)} s |`);
    console.log(`| one athlete-week (the job after a new activity), median / p90 | ${single[15]!.toFixed(1)} ms / ${single[27]!.toFixed(1)} ms |`);
    console.log(`| all athlete-weeks, cold (metrics from samples) | ${athletes * WEEKS} in ${coldS.toFixed(1)} s = **${((athletes * WEEKS) / coldS).toFixed(0)} /s** |`);
    console.log(`| all athlete-weeks, warm (stored metrics reused) | ${athletes * WEEKS} in ${warmS.toFixed(1)} s = **${((athletes * WEEKS) / warmS).toFixed(0)} /s** |`);
    console.log(`| peak RSS of the analysing process | ${(peak / 2 ** 20).toFixed(0)} MiB |`);
  } finally {
    await handle.close();
    if (process.env.BENCH_KEEP_DB === undefined) await adminQuery(pg.url, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    else console.log(`kept database ${dbName}`);
    await pg.stop();
  }
}
