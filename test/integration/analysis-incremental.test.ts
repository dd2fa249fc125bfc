/**
 * The stored load series does not depend on the order weeks are analysed in: week jobs arriving in
 * any order (each continuing from the stored state of the day before it) end in the same state as
 * one pass over all weeks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { analyseWeeks } from '../../src/services/analysis.ts';
import { encodeMulti } from '../../src/synth/fit.ts';
import { generateTraining } from '../../src/synth/training.ts';
import { createTestDb, type TestDb } from '../support/db.ts';

const WEEKS = ['2026-W10', '2026-W11', '2026-W12', '2026-W13', '2026-W14'];
const now = new Date('2026-04-10T00:00:00Z');

const files = generateTraining({ from: '2026-03-02', weeks: 5, seed: 7 }).map((s) => encodeMulti([s.session]));

async function seeded(t: TestDb): Promise<string> {
  const athlete = await createAthlete(t.db, { name: 'Inc', email: null, sex: 'm', max_hr: 188, resting_hr: 48, lthr: 168, threshold_speed_mps: null });
  for (const [i, bytes] of files.entries()) await importFitFile(t.db, { athleteId: athlete.id, filename: `${i}.fit`, bytes }, () => now);
  return athlete.id;
}

describe('incremental load', () => {
  let a: TestDb;
  let b: TestDb;
  let c: TestDb;
  beforeAll(async () => {
    [a, b, c] = await Promise.all([createTestDb('postgres'), createTestDb('postgres'), createTestDb('postgres')]);
  });
  afterAll(async () => {
    await Promise.all([a.drop(), b.drop(), c.drop()]);
  });

  const rows = async (t: TestDb): Promise<unknown[]> =>
    (await t.db.selectFrom('daily_load').select(['date', 'load', 'acute', 'chronic', 'form', 'acwr', 'day']).orderBy('date').execute()).map((r) => ({
      ...r,
      acute: r.acute.toFixed(9),
      chronic: r.chronic.toFixed(9),
      form: r.form.toFixed(9),
      acwr: r.acwr?.toFixed(9) ?? null,
    }));

  it('week-by-week in shuffled order equals one pass over all weeks', async () => {
    const ida = await seeded(a);
    const idb = await seeded(b);
    await analyseWeeks(a.db, ida, WEEKS, now);
    for (const w of ['2026-W12', '2026-W14', '2026-W10', '2026-W13', '2026-W11', '2026-W12']) await analyseWeeks(b.db, idb, [w], now);
    const ra = await rows(a);
    expect(ra.length).toBe(35);
    expect(await rows(b)).toEqual(ra);
    const week = async (t: TestDb, id: string) =>
      (await t.db.selectFrom('week_compliance').select('data').where('athlete_id', '=', id).where('iso_week', '=', '2026-W14').executeTakeFirstOrThrow()).data.load;
    expect(await week(b, idb)).toEqual(await week(a, ida));
  });

  it('weeks of one athlete analysed at the same time (two workers) end in the same state', async () => {
    const idc = await seeded(c);
    await Promise.all(['2026-W13', '2026-W10', '2026-W14', '2026-W11', '2026-W12'].map((w) => analyseWeeks(c.db, idc, [w], now)));
    expect(await rows(c)).toEqual(await rows(a));
  });
});
