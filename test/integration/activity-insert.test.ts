/**
 * An activity with more laps and sets than one statement may carry (Postgres: 65,535 parameters;
 * PGlite breaks its connection above 32,767 values) is written whole, in batches, on both back ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedActivity } from '../../src/domain/activity.ts';
import { insertActivity } from '../../src/db/repositories/activities.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { BACKENDS, createTestDb, type TestDb } from '../support/db.ts';

const LAPS = 7_000;
const SETS = 4_000;

function bigActivity(): NormalizedActivity {
  const start = Date.UTC(2026, 10, 2, 6);
  return {
    source: 'fit',
    sourceId: 'many-children-0',
    sport: 'training',
    subSport: 'strength_training',
    category: 'strength',
    name: null,
    startTime: new Date(start),
    elapsedS: LAPS,
    movingS: LAPS,
    distanceM: null,
    ascentM: null,
    avgHr: null,
    maxHr: null,
    calories: null,
    device: null,
    laps: Array.from({ length: LAPS }, (_, i) => ({
      index: i,
      startTime: new Date(start + i * 1000),
      elapsedS: 1,
      movingS: 1,
      distanceM: null,
      avgHr: null,
      maxHr: null,
      avgSpeedMps: null,
      intensity: null,
    })),
    sets: Array.from({ length: SETS }, (_, i) => ({
      index: i,
      setType: i % 2 === 0 ? 'active' : 'rest',
      startTime: new Date(start + i * 1000),
      durationS: 1,
      category: 'squat',
      exerciseName: null,
      reps: 5,
      weightKg: 20,
    })),
    streams: null,
  };
}

describe.each(BACKENDS)('insertActivity with thousands of laps and sets (%s)', (kind) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(kind);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('stores every lap and set, in one transaction', async () => {
    const athlete = await createAthlete(db.db, { name: 'Many Laps', timezone: 'UTC' });
    const { id, created } = await db.db.transaction().execute((trx) =>
      insertActivity(trx, { athleteId: athlete.id, activity: bigActivity(), localDate: '2026-11-02', timezone: 'UTC' }),
    );
    expect(created).toBe(true);
    const laps = await db.db.selectFrom('laps').select(({ fn }) => fn.countAll<string>().as('n')).where('activity_id', '=', id).executeTakeFirstOrThrow();
    const sets = await db.db.selectFrom('strength_sets').select(({ fn }) => fn.countAll<string>().as('n')).where('activity_id', '=', id).executeTakeFirstOrThrow();
    expect(Number(laps.n)).toBe(LAPS);
    expect(Number(sets.n)).toBe(SETS);
  });
});
