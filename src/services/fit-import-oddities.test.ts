/**
 * The import of odd FIT files end to end on embedded PGlite: a chained file stores one activity per
 * chained part, and a part imported alone afterwards is a duplicate; the odd files of
 * decode-oddities.test.ts are imported with their warnings, or failed with their reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getActivityDetail, listActivities } from '../db/repositories/activities.ts';
import { createAthlete } from '../db/repositories/athletes.ts';
import { getUpload } from '../db/repositories/uploads.ts';
import { createTestDb, type TestDb } from '../../test/support/db.ts';
import {
  chainedRunAndSwim,
  poolSwimWithUntimedRecords,
  sessionlessRide,
  workoutFile,
} from '../../test/support/fit-oddities.ts';
import { importFitFile } from './fit-import.ts';

const now = (): Date => new Date('2026-11-26T12:00:00Z');

describe('importing odd FIT files (PGlite)', () => {
  let t: TestDb;
  let athleteId: string;

  beforeAll(async () => {
    t = await createTestDb('pglite');
    athleteId = (
      await createAthlete(t.db, { name: 'Ada', email: null, sex: 'f', max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'UTC' })
    ).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it('stores each part of a chained file once; each part imported alone afterwards is a duplicate', async () => {
    const { bytes, parts } = chainedRunAndSwim();
    const chain = await importFitFile(t.db, { athleteId, filename: 'chain.fit', bytes }, now);
    if (chain.status === 'failed') throw new Error(chain.error);
    expect(chain.status).toBe('imported');
    expect(chain.activities.map((a) => [a.sport, a.distanceM, a.created])).toEqual([
      ['running', 300, true],
      ['swimming', 275, true],
    ]);
    for (const [k, part] of parts.entries()) {
      const alone = await importFitFile(t.db, { athleteId, filename: `part-${k + 1}.fit`, bytes: part }, now);
      if (alone.status === 'failed') throw new Error(alone.error);
      expect(alone.status).toBe('duplicate');
      expect(alone.activities.map((a) => a.id)).toEqual([chain.activities[k]?.id]);
    }
    expect(await listActivities(t.db, athleteId)).toHaveLength(2);
  });

  it('imports a pool swim with untimed records, warning how many were left out', async () => {
    const res = await importFitFile(t.db, { athleteId, filename: 'swim.fit', bytes: poolSwimWithUntimedRecords() }, now);
    if (res.status === 'failed') throw new Error(res.error);
    expect(res.warnings).toEqual(['3 of 12 records have no valid timestamp and were left out: they cannot be placed in time']);
    const detail = await getActivityDetail(t.db, res.activities[0]?.id ?? '');
    expect(detail?.activity).toMatchObject({ sport: 'swimming', elapsed_s: 390, distance_m: 275 });
    expect(detail?.laps).toHaveLength(3);
    expect(detail?.streams?.t).toHaveLength(9);
  });

  it('imports a sessionless ride rebuilt from its records', async () => {
    const res = await importFitFile(t.db, { athleteId, filename: 'ride.fit', bytes: sessionlessRide() }, now);
    if (res.status === 'failed') throw new Error(res.error);
    expect(res.activities.map((a) => [a.sport, a.distanceM])).toEqual([['cycling', 15824]]);
    expect(res.warnings).toEqual(['no session message: the activity was rebuilt from 1979 records and 2 laps']);
  });

  it('fails a workout file with its type named', async () => {
    const res = await importFitFile(t.db, { athleteId, filename: 'tempo.fit', bytes: workoutFile() }, now);
    expect(res).toMatchObject({ status: 'failed', error: 'no session in file: a workout file, not an activity recording' });
    if (res.uploadId === null) throw new Error('not stored');
    expect((await getUpload(t.db, res.uploadId))?.status).toBe('failed');
  });
});
