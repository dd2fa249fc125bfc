import { describe, expect, it } from 'vitest';
import { addDays, mondayOf } from '../domain/iso-week.ts';
import { shuffled } from '../../test/support/recommend.ts';
import { buildReport, canonicalJson, REPORT_VERSION, reportHash, TREND_WEEKS, type ReportInput } from './model.ts';
import { d, input, scenario, WEEK } from '../../test/support/report-model.ts';

/** The same JSON with every object's keys in a shuffled order (as a jsonb round trip reorders them). */
function reorderKeys<T>(value: T, seed: number): T {
  const walk = (v: unknown, s: number): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, s + i));
    if (v !== null && typeof v === 'object') {
      const keys = shuffled(Object.keys(v), s);
      return Object.fromEntries(keys.map((k, i) => [k, walk((v as Record<string, unknown>)[k], s * 31 + i)]));
    }
    return v;
  };
  return walk(JSON.parse(JSON.stringify(value)), seed) as T;
}

describe('buildReport', () => {
  it('has the headline in the athlete units and the version', () => {
    const m = buildReport(input({ athlete: { id: 'athlete-1', name: 'Test Runner', units: 'mi', timezone: 'UTC' } }));
    expect(m.version).toBe(REPORT_VERSION);
    const c = scenario().doc.compliance;
    expect(m.headline.compliancePct).toBe(Math.round(c.score! * 100));
    expect(m.headline.distance.done).toEqual({ metres: Math.round(c.actual.distanceM), value: Math.round((c.actual.distanceM / 1609.344) * 10) / 10, units: 'mi' });
    expect(m.headline.strength).toEqual({ planned: 2, done: 2 });
    // #18 point 14: the summary gives the overall band and the parts, not "% of plan".
    expect(m.headline.summary).toMatch(/^(On plan|Partly off plan|Well off plan|Off plan) — volume [\d.]+ mi of [\d.]+ mi \(\d+ %\), key sessions \d of \d, .*strength 2 of 2 \(minimum met, placement flagged\); \d+ to fix$/);
    expect(m.headline.parts.strength).toMatchObject({ done: 2, planned: 2, minimumMet: true, placementFlags: ['strength_before_key_session'], band: 'yellow' });
    expect(m.headline.parts.intensity).toEqual({ band: 'orange', easyRuns: 2, tooHard: 1 });
    expect(m.headline.complianceBand).not.toBe('green');
    expect(m.plan).toEqual({ name: 'Spring block', raceDate: '2027-02-28', weekNumber: 10, totalWeeks: 24 });
    expect(m.week).toEqual({ isoWeek: WEEK, from: d(0), to: d(6), complete: true });
  });

  it('lays the week out day by day, Monday first, with planned and done side by side', () => {
    const m = buildReport(input());
    expect(m.days.map((x) => x.weekday)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
    const thu = m.days[3]!;
    // #18 point 2: Thursday's strength done on Saturday is the planned session done two days later.
    expect(thu.rows.map((r) => [r.planned?.kind ?? null, r.done?.category ?? null, r.status, r.dayShift])).toEqual([
      ['tempo', 'run', 'completed', 0],
      ['strength', 'strength', 'completed', 2],
    ]);
    expect(thu.strengthPlanned).toBe(true);
    expect(thu.strengthDone).toBe(false);
    const sat = m.days[5]!;
    expect(sat.rows.map((r) => [r.planned?.kind ?? null, r.done?.category ?? null, r.status])).toEqual([['easy', 'run', 'completed']]);
    expect(m.days[1]!.hardPlanned && m.days[1]!.hardDone).toBe(true);
    expect(m.days[6]!.plannedDistanceM).toBe(30_000);
    expect(m.days[0]!.rows).toEqual([]);
  });

  it('places each strength session against the hard days and names its placement flags', () => {
    const m = buildReport(input());
    expect(m.strength.sessions).toEqual([
      { activityId: 'x-a-str1', date: d(1), minutes: 45, dayType: 'hard_day', afterRun: true, beforeHardDay: false, flagCodes: [] },
      {
        activityId: 'x-a-str2',
        date: d(5),
        minutes: 45,
        dayType: 'easy_day',
        afterRun: true,
        beforeHardDay: true,
        flagCodes: ['strength_before_key_session'],
      },
    ]);
    expect(m.strength.minimum).toEqual({ sessions: 1, minMinutes: 40, met: true });
    expect(m.flags.map((f) => f.code)).toEqual(expect.arrayContaining(['strength_before_key_session', 'easy_run_too_hard']));
    // #18 point 2: the session moved Thu → Sat was done: not also skipped.
    expect(m.flags.map((f) => f.code)).not.toContain('strength_skipped');
    for (const f of m.flags) expect(f.evidence.activityIds).toEqual([...f.evidence.activityIds].sort());
  });

  it('misses the minimum with less than its minutes', () => {
    const m = buildReport(input({ thresholds: { minWeeklyStrengthMinutes: 120, maxAcwr: 1.5 } }));
    expect(m.strength.minimum).toEqual({ sessions: 1, minMinutes: 120, met: false });
  });

  it('gives the intensity split against the 80/20 target', () => {
    const m = buildReport(input());
    expect(m.intensity.low + m.intensity.moderate + m.intensity.high).toBeCloseTo(1, 2);
    expect(m.intensity.target).toEqual({ low: 0.8, high: 0.2 });
    expect(m.intensity.lowVsTargetPts).toBe(Math.round((m.intensity.low - 0.8) * 100));
    expect(m.intensity.easyRunsTooHard).toBe(1);
  });

  it('has eight weeks of load trend, null before the stored series', () => {
    const m = buildReport(input());
    expect(m.load.weeks).toHaveLength(TREND_WEEKS);
    expect(m.load.days).toHaveLength(TREND_WEEKS * 7);
    expect(m.load.weeks.at(-1)!.isoWeek).toBe(WEEK);
    expect(m.load.weeks[0]!.load).toBeNull();
    expect(m.load.days[0]).toEqual({ date: addDays(mondayOf(WEEK), -49), load: null, acute: null, chronic: null, form: null, acwr: null });
    const sunday = scenario().doc.load.days[6]!;
    expect(m.load.end).toEqual({
      date: d(6),
      load: Math.round(sunday.load * 10) / 10,
      acute: Math.round(sunday.acute * 10) / 10,
      chronic: Math.round(sunday.chronic * 10) / 10,
      form: Math.round(sunday.form * 10) / 10,
      acwr: Math.round(sunday.acwr! * 1000) / 1000,
    });
    expect(m.load.weeks.at(-1)!.distanceM).toBe(Math.round(scenario().doc.compliance.actual.distanceM));
  });

  it('notes activities without heart rate, failed uploads and a broken Strava connection', () => {
    const m = buildReport(
      input({
        failedUploads: [
          { id: 'u2', filename: 'b.fit', error: null, date: d(3) },
          { id: 'u1', filename: 'a.fit', error: 'not a FIT file', date: d(1) },
        ],
        strava: { status: 'needs_reauthorisation', since: '2026-11-18T10:00:00.000Z' },
      }),
    );
    expect(m.dataQuality.activitiesWithoutHr.map((a) => a.activityId)).toEqual(['x-a-str1', 'x-a-e2', 'x-a-str2']);
    expect(m.dataQuality.failedUploads.map((u) => [u.filename, u.error])).toEqual([
      ['a.fit', 'not a FIT file'],
      ['b.fit', 'unknown error'],
    ]);
    expect(m.dataQuality.strava).toEqual({ status: 'needs_reauthorisation', since: '2026-11-18T10:00:00.000Z' });
    expect(m.dataQuality.notes).toHaveLength(3);
    expect(m.dataQuality.notes[1]).toMatch(/a\.fit, b\.fit/);
    expect(m.dataQuality.notes[2]).toMatch(/Strava/);
    expect(buildReport(input()).dataQuality.notes).toHaveLength(1);
  });

  it('marks an unfinished week', () => {
    expect(buildReport(input({ asOf: d(3) })).week.complete).toBe(false);
    expect(buildReport(input({ asOf: d(6) })).week.complete).toBe(false);
    expect(buildReport(input({ asOf: d(7) })).week.complete).toBe(true);
  });
});

describe('determinism', () => {
  it('the same input gives byte-identical JSON, whatever the key order of the stored documents', () => {
    const a = input();
    const first = canonicalJson(buildReport(a));
    for (const seed of [1, 2, 3]) {
      const b: ReportInput = { ...a, week: reorderKeys(a.week, seed), planned: reorderKeys(a.planned, seed), loadDays: reorderKeys(a.loadDays, seed) };
      expect(canonicalJson(buildReport(b))).toBe(first);
      expect(reportHash(buildReport(b))).toBe(reportHash(buildReport(a)));
    }
  });

  it('canonical JSON sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } }, 0)).toBe('{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}');
  });

  it('the hash follows the content', () => {
    const h = reportHash(buildReport(input()));
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(reportHash(buildReport(input({ failedUploads: [{ id: 'u1', filename: 'a.fit', error: 'x', date: d(1) }] })))).not.toBe(h);
    expect(reportHash(buildReport(input({ athlete: { id: 'athlete-1', name: 'Other', units: 'km', timezone: 'UTC' } })))).not.toBe(h);
  });

  it('holds no generation time', () => {
    const json = canonicalJson(buildReport(input()));
    expect(json).not.toMatch(/generated/i);
    expect(json).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it('is unaffected by the order planned sessions arrive in', () => {
    const a = input();
    expect(canonicalJson(buildReport({ ...a, planned: shuffled(a.planned, 9) }))).toBe(canonicalJson(buildReport(a)));
  });
});
