/**
 * A new time zone moves activities across days and weeks (Sunday 23:30 UTC is Monday in Tokyo), and
 * the weeks are re-analysed — on both back ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWeek } from '../../src/db/repositories/analysis.ts';
import { listActivities } from '../../src/db/repositories/activities.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { createLogger } from '../../src/log.ts';
import { changeAthleteSettings } from '../../src/services/athletes.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { BACKENDS, createTestDb, type TestDb } from '../support/db.ts';

const now = (): Date => new Date('2026-03-20T12:00:00Z');

describe.each(BACKENDS)('changing the time zone on %s', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('re-dates activities and re-analyses the weeks they moved between', async () => {
    const athlete = await createAthlete(t.db, { name: 'Tz', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'UTC' });
    const run = encodeRun({ startTime: new Date('2026-03-01T23:30:00Z'), serialNumber: 3_900_400_001, laps: [{ durationS: 1200, distanceM: 4000, avgHr: 140 }] });
    const res = await importFitFile(t.db, { athleteId: athlete.id, filename: 'late.fit', bytes: run }, now);
    expect(res.status).toBe('imported');
    const runner = new InlineRunner({ db: t.db, log: createLogger('silent'), now });
    await runner.enqueue('analysis', { athleteId: athlete.id, isoWeek: '2026-W09' });
    await runner.drain();
    expect((await getWeek(t.db, athlete.id, '2026-W09'))!.compliance.actual.distanceM).toBe(4000);

    const { weeksQueued } = await changeAthleteSettings(t.db, runner, athlete, { timezone: 'Asia/Tokyo' }, now());
    expect(weeksQueued).toBe(2);
    await runner.drain();
    const [a] = await listActivities(t.db, athlete.id);
    expect(a).toMatchObject({ local_date: '2026-03-02', timezone: 'Asia/Tokyo' });
    expect((await getWeek(t.db, athlete.id, '2026-W10'))!.compliance.actual.distanceM).toBe(4000);
    expect((await getWeek(t.db, athlete.id, '2026-W10'))!.timezone).toBe('Asia/Tokyo');
    expect((await getWeek(t.db, athlete.id, '2026-W09'))!.compliance.actual.distanceM).toBe(0);
  });
});
