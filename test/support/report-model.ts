/**
 * A report input for tests, built with the analysis and the recommender from the model week of
 * test/support/recommend.ts with the usual mistakes.
 */
import type { PlannedSessionRef } from '../../src/analysis/types.ts';
import { addDays, mondayOf } from '../../src/domain/iso-week.ts';
import { recommend } from '../../src/recommend/recommend.ts';
import { buildWeeks, greyZoneRun, modelWeek, run, strength } from './recommend.ts';
import type { ReportInput } from '../../src/report/model.ts';
import type { WeekDocument } from '../../src/domain/week-document.ts';

export const WEEK = '2026-W47';
export const d = (i: number): string => addDays(mondayOf(WEEK), i);

/**
 * The model week with the usual mistakes: the Thursday strength session done on Saturday (the day
 * before the long run), the Wednesday easy run half in zone 3, the Saturday run without heart rate.
 */
export function scenario(): { doc: WeekDocument; planned: PlannedSessionRef[] } {
  const base = modelWeek(WEEK, 'x-');
  const activities = base.activities
    .filter((a) => a.id !== 'x-a-str2' && a.id !== 'x-a-e1' && a.id !== 'x-a-e2')
    .concat([
      greyZoneRun('x-a-e1', d(2), 0.5),
      strength('x-a-str2', d(5), { min: 45 }),
      run('x-a-e2', d(5), [{ min: 45, hr: null, speedMps: 1000 / 330 }]),
    ]);
  const [, week] = buildWeeks(
    [
      { isoWeek: '2026-W46', ...modelWeek('2026-W46', 'w-') },
      { isoWeek: WEEK, planned: base.planned, activities },
    ],
    { history: { days: 42, dailyLoad: 60 } },
  );
  const next = modelWeek('2026-W48', 'n-');
  const { flags, nextWeek } = recommend({
    week: week!,
    previousWeek: null,
    plannedThisWeek: base.planned,
    plannedNextWeek: next.planned,
    raceDate: null,
    taperStart: null,
    units: 'km',
  });
  return { doc: { ...week!, flags, nextWeek }, planned: base.planned };
}

export function input(over: Partial<ReportInput> = {}): ReportInput {
  const { doc, planned } = scenario();
  return {
    athlete: { id: 'athlete-1', name: 'Test Runner', units: 'km', timezone: 'UTC' },
    week: doc,
    planned,
    plan: { name: 'Spring block', startDate: addDays(mondayOf(WEEK), -63), raceDate: '2027-02-28', endDate: '2027-02-28' },
    loadDays: doc.load.days,
    weekDistances: new Map([[WEEK, { doneM: doc.compliance.actual.distanceM, plannedM: doc.compliance.planned.distanceM }]]),
    failedUploads: [],
    strava: null,
    asOf: addDays(mondayOf(WEEK), 8),
    thresholds: { minWeeklyStrengthMinutes: 40, maxAcwr: 1.5 },
    ...over,
  };
}

