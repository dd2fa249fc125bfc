/**
 * Strava backfill (issue 8): requests made, 429s, and how long the rate limits make it take, against
 * the fake Strava enforcing Strava's 2025 default limits (100 reads / 15 min, 1,000 / day; 200 / 2,000
 * overall). The clock is the fake's: a wait for the next window passes at once, so the wall time is
 * Kinetic's own work (listing, storing, laps and streams), and "Strava time" is what the same
 * backfill takes against the real API. Postgres at TEST_DATABASE_URL (default local), throwaway db.
 */
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { connectWithCode } from '../src/services/strava-connection.ts';
import { InlineRunner } from '../src/workers/inline-runner.ts';
import pino from 'pino';
import { FakeClock, FakeStrava } from '../test/support/fake-strava.ts';
import { adminQuery, databaseUrl } from '../test/support/pg-admin.ts';
import { ensurePostgres } from '../test/support/services.ts';
import { testStravaServices } from '../test/support/strava.ts';

const START = new Date('2026-11-20T21:00:00Z');

interface Scenario {
  name: string;
  athletes: number;
  perAthlete: number;
}

function hours(ms: number): string {
  const h = Math.floor(ms / 3600_000);
  const m = Math.round((ms % 3600_000) / 60_000);
  return `${h} h ${String(m).padStart(2, '0')} min`;
}

async function run(serverUrl: string, scenario: Scenario): Promise<Record<string, string | number>> {
  const dbName = `kt_bench_strava_${process.pid}`;
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName}`);
  await adminQuery(serverUrl, `CREATE DATABASE ${dbName}`);
  const handle = connect({ databaseUrl: databaseUrl(serverUrl, dbName), poolSize: 4 });
  const fake = await new FakeStrava({ clock: new FakeClock(START, 'auto') }).start();
  try {
    await migrateToLatest(handle.db);
    fake.limits = { overall: [200, 2000], read: [100, 1000] };
    const strava = testStravaServices(fake);
    const log = pino({ level: 'silent' });
    const jobs = new InlineRunner({ db: handle.db, log, now: () => fake.clock.now(), strava });
    let activities = 0;
    for (let i = 0; i < scenario.athletes; i++) {
      const who = fake.addAthlete({ firstname: `Runner${i}` });
      activities += fake.addHistory(who.id, { count: scenario.perAthlete, end: START, runShare: 0.7, seed: 100 + i }).length;
      const { athlete } = await connectWithCode(handle.db, strava, { code: fake.issueCode(who.id), scopes: 'read,activity:read_all', now: fake.clock.now() });
      await jobs.enqueue('strava-sync', { athleteId: athlete.id, mode: 'backfill' });
    }
    fake.resetCounts();
    const t0 = performance.now();
    // Backfills (lists) first; their detail jobs follow in the same drain. Analysis jobs are not run here.
    await jobs.drain();
    const wall = (performance.now() - t0) / 1000;
    if (jobs.failed.length > 0) throw new Error(`strava bench: ${jobs.failed.length} jobs failed: ${jobs.failed[0]!.error}`);
    // Sanity: every connection still active (no token expired during a long wait), every run complete.
    const inactive = await handle.db.selectFrom('strava_connections').select('athlete_id').where('status', '!=', 'active').execute();
    if (inactive.length > 0) throw new Error(`strava bench: ${inactive.length} connections need re-authorisation`);
    const runs = Number((await handle.db.selectFrom('activities').select((eb) => eb.fn.countAll().as('n')).where('category', '=', 'run').executeTakeFirstOrThrow()).n);
    const streams = Number((await handle.db.selectFrom('activity_streams').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    if (streams !== runs) throw new Error(`strava bench: ${runs} runs but ${streams} with streams`);
    const stored = Number((await handle.db.selectFrom('activities').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    if (stored !== activities) throw new Error(`strava bench: ${stored} of ${activities} activities stored`);
    const api = fake.requests.filter((r) => r.route !== 'token');
    return {
      scenario: scenario.name,
      activities,
      runs,
      'list requests': fake.count('list'),
      'detail requests': fake.count('detail'),
      'streams requests': fake.count('streams'),
      'API requests': api.length,
      'requests / activity': +(api.length / activities).toFixed(2),
      '429s': fake.requests.filter((r) => r.status === 429).length,
      'Strava time (limits)': hours(fake.clock.now().getTime() - START.getTime()),
      'wall s (Kinetic work)': +wall.toFixed(1),
      'activities / s (wall)': Math.round(activities / wall),
    };
  } finally {
    await fake.stop();
    await handle.close();
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName}`);
  }
}

export async function benchStrava(): Promise<void> {
  const pg = await ensurePostgres();
  try {
    const rows = [
      await run(pg.url, { name: '1 athlete × 1,000 activities', athletes: 1, perAthlete: 1000 }),
      await run(pg.url, { name: '20 athletes × 100 activities', athletes: 20, perAthlete: 100 }),
    ];
    const cols = Object.keys(rows[0]!);
    console.log('\n### Strava backfill (fake Strava, limits 100 reads / 15 min, 1,000 / day; the clock jumps over waits)\n');
    console.log(`| ${cols.join(' | ')} |`);
    console.log(`|${cols.map(() => ' --- ').join('|')}|`);
    for (const r of rows) console.log(`| ${cols.map((c) => String(r[c])).join(' | ')} |`);
  } finally {
    await pg.stop();
  }
}
