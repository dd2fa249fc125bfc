/**
 * Issue #18, points 1 and 14 on the web's "This week" page: on a Thursday the page scores what was due
 * so far (not Thursday against the whole week: "0 %, 0 of 7"), and gives compliance as parts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannedSession } from '../../src/domain/plan.ts';
import { createLogger } from '../../src/log.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { importPlan } from '../../src/services/plans.ts';
import { encodeRun, encodeStrength } from '../../src/synth/fit.ts';
import { at, intervalLaps, session, steady } from '../support/scenario.ts';
import { createWebTestApp, signInByEmail, type WebTestApp } from '../support/web.ts';

let w: WebTestApp;
const THURSDAY = new Date('2027-01-14T07:00:00Z');

beforeAll(async () => {
  w = await createWebTestApp({ at: THURSDAY });
});
afterAll(async () => {
  await w?.close();
});

describe('the web\'s "This week" on a Thursday', () => {
  it('scores what was due so far and shows the parts', async () => {
    const b = await signInByEmail(w.app, w.smtp, 'thursday@example.com', 'UTC');
    const athlete = await w.t.db.selectFrom('athletes').select('id').where('email', '=', 'thursday@example.com').executeTakeFirstOrThrow();
    const plan: PlannedSession[] = [
      session('2027-01-12', 1, 'intervals', { distanceM: 11_000 }),
      session('2027-01-12', 2, 'strength', { durationS: 2700 }),
      session('2027-01-13', 1, 'easy', { distanceM: 8000 }),
      session('2027-01-14', 1, 'tempo', { distanceM: 10_000 }),
      session('2027-01-14', 2, 'strength', { durationS: 2700 }),
      session('2027-01-16', 1, 'easy', { distanceM: 6000 }),
      session('2027-01-17', 1, 'long', { distanceM: 24_000 }),
    ];
    const runner = new InlineRunner({ db: w.t.db, log: createLogger('silent'), now: () => THURSDAY });
    await importPlan(w.t.db, runner, { athleteId: athlete.id, plan: { name: 'Web week', startDate: '2027-01-11', race: null, units: 'km', sessions: plan }, source: 'yaml', now: THURSDAY, today: '2027-01-14' });
    const files = [
      encodeRun({ startTime: at('2027-01-12', '06:00'), serialNumber: 3_918_600_001, laps: intervalLaps() }),
      encodeStrength({ startTime: at('2027-01-12', '17:00'), serialNumber: 3_918_600_002, avgHr: 105, sets: Array.from({ length: 12 }, () => ({ category: 'squat', reps: 8, weightKg: 60, durationS: 45, restS: 180 })) }),
      encodeRun({ startTime: at('2027-01-13', '06:30'), serialNumber: 3_918_600_003, laps: steady(8, 360, 135) }),
    ];
    for (const [i, bytes] of files.entries()) expect((await importFitFile(w.t.db, { athleteId: athlete.id, filename: `w${i}.fit`, bytes }, () => THURSDAY)).status).toBe('imported');
    await runner.enqueue('analysis', { athleteId: athlete.id, isoWeek: '2027-W02' });
    await runner.drain();
    expect(runner.failed).toEqual([]);

    const page = (await b.get('/app')).body;
    expect(page).toContain('data-testid="iso-week">2027-W02<');
    expect(page).toContain('Compliance so far');
    expect(page).toMatch(/data-testid="compliance">green: on plan</);
    expect(page).toContain('3 of 3 sessions due so far done (7 this week)');
    expect(page).not.toContain('0 of 7');
    expect(page).toMatch(/data-part="Volume">Volume: <strong>green<\/strong>/);
    expect(page).toMatch(/data-part="Key sessions">Key sessions: <strong>green<\/strong> — 1 of 1 done as planned/);
    expect(page).toMatch(/of 19\.0 km planned so far \(59\.0 km this week\)/);
  });
});
