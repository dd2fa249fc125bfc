/**
 * What the athlete told about a Strava activity (RPE, note) is not lost when the watch's FIT file of
 * the same workout replaces it (src/db/repositories/activity-twins.ts), on both back ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedActivity } from '../../src/domain/activity.ts';
import { insertActivity, setActivityInput } from '../../src/db/repositories/activities.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { BACKENDS, createTestDb, type TestDb } from '../support/db.ts';

const run = (source: 'fit' | 'strava', sourceId: string): NormalizedActivity => ({
  source,
  sourceId,
  sport: 'running',
  subSport: null,
  category: 'run',
  name: null,
  startTime: new Date(Date.UTC(2026, 10, 2, 6, 0, source === 'fit' ? 0 : 30)),
  elapsedS: 3000,
  movingS: 2950,
  distanceM: source === 'fit' ? 10_000 : 10_040,
  ascentM: null,
  avgHr: null,
  maxHr: null,
  calories: null,
  device: null,
  laps: [],
  sets: [],
  streams: null,
});

describe.each(BACKENDS)('a FIT twin keeps the RPE and note of the Strava copy it replaces (%s)', (kind) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(kind);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('copies them onto the FIT activity', async () => {
    const athlete = await createAthlete(db.db, { name: 'Twins', timezone: 'UTC' });
    const insert = (a: NormalizedActivity) => db.db.transaction().execute((trx) => insertActivity(trx, { athleteId: athlete.id, activity: a, localDate: '2026-11-02', timezone: 'UTC' }));
    const strava = await insert(run('strava', '123456'));
    await setActivityInput(db.db, strava.id, { rpe: 6, note: 'hot morning' });
    const fit = await insert(run('fit', 'watch-1'));
    const rows = await db.db.selectFrom('activities').select(['id', 'source', 'rpe', 'note']).where('athlete_id', '=', athlete.id).execute();
    expect(rows).toEqual([{ id: fit.id, source: 'fit', rpe: 6, note: 'hot morning' }]);
  });
});
