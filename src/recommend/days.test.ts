import { describe, expect, it } from 'vitest';
import type { ActivityMetrics, SessionMatch } from '../analysis/types.ts';
import { actualItems, isHardRun, taperState } from './days.ts';
import { buildWeeks, cross, easyRun, greyZoneRun, intervalRun, longRun, planned, strength, tempoRun } from '../../test/support/recommend.ts';
import { DEFAULT_THRESHOLDS } from './types.ts';

function metrics(over: Partial<ActivityMetrics> = {}): ActivityMetrics {
  return {
    activityId: 'a',
    basis: 'streams',
    movingS: 3000,
    distanceM: 10_000,
    paceSPerKm: 300,
    timeInZonesS: null,
    trimp: null,
    load: 100,
    loadBasis: 'session_rpe',
    intensity: 'easy',
    intervals: false,
    long: false,
    intensityBasis: 'hr',
    ...over,
  };
}

function match(over: Partial<SessionMatch> = {}): SessionMatch {
  return {
    plannedId: 'p',
    activityId: 'a',
    status: 'completed',
    ratio: 1,
    band: 'green',
    dayShift: 0,
    plannedKind: 'tempo',
    plannedDate: '2027-02-11',
    activityDate: '2027-02-11',
    ...over,
  };
}

describe('isHardRun', () => {
  it('is hard by evidence: classed hard, or the long run', () => {
    expect(isHardRun(metrics({ intensity: 'hard' }), undefined)).toBe(true);
    expect(isHardRun(metrics({ long: true }), undefined)).toBe(true);
    expect(isHardRun(metrics({ intensity: 'moderate' }), undefined)).toBe(false);
  });

  it('is hard by plan when the evidence does not contradict it', () => {
    expect(isHardRun(metrics({ intensity: 'moderate' }), match())).toBe(true);
    expect(isHardRun(metrics({ intensityBasis: 'none' }), match())).toBe(true);
    expect(isHardRun(metrics({ intensity: 'easy' }), match())).toBe(false);
    expect(isHardRun(metrics(), match({ plannedKind: 'long' }))).toBe(true);
    expect(isHardRun(metrics(), match({ plannedKind: 'easy' }))).toBe(false);
    // Less than half the planned volume is not the session done.
    expect(isHardRun(metrics({ intensity: 'moderate' }), match({ ratio: 0.3, status: 'partial', band: 'orange' }))).toBe(false);
  });
});

describe('actualItems', () => {
  it('classifies the week’s activities into day items the rules take', () => {
    const [doc] = buildWeeks([
      {
        isoWeek: '2027-W06',
        planned: [planned('p-tempo', '2027-02-11', 'tempo'), planned('p-e1', '2027-02-10', 'easy')],
        activities: [
          intervalRun('int', '2027-02-09'),
          strength('str', '2027-02-09'),
          greyZoneRun('e1', '2027-02-10', 0.6),
          tempoRun('tempo', '2027-02-11'),
          tempoRun('hard', '2027-02-12'),
          easyRun('easy', '2027-02-13'),
          longRun('long', '2027-02-14'),
          cross('bike', '2027-02-14'),
        ],
      },
    ]);
    const items = actualItems(doc!, null, DEFAULT_THRESHOLDS);
    expect(items.map((i) => [i.activityId, i.kind, i.hard, i.label])).toEqual([
      ['int', 'intervals', true, 'intervals'],
      ['str', 'strength', false, 'strength session'],
      ['e1', 'easy', false, 'easy run'],
      ['tempo', 'tempo', true, 'tempo run'],
      ['hard', 'threshold', true, 'hard run'],
      ['easy', 'easy', false, 'easy run'],
      ['long', 'long', true, 'long run'],
      ['bike', 'cross', false, 'cycling'],
    ]);
    expect(items.find((i) => i.activityId === 'e1')?.tooHardEasy).toMatchObject({ basis: 'hr', fraction: 0.6 });
  });

  it('a hard run on the race date is the race', () => {
    const [doc] = buildWeeks([{ isoWeek: '2027-W06', activities: [tempoRun('race', '2027-02-14')] }]);
    expect(actualItems(doc!, '2027-02-14', DEFAULT_THRESHOLDS).map((i) => i.kind)).toEqual(['race']);
  });
});

describe('taperState', () => {
  const race = '2027-02-28'; // Sunday of 2027-W08
  it('without a taper start: race week and the two weeks before it', () => {
    expect(['2027-W05', '2027-W06', '2027-W07', '2027-W08', '2027-W09'].map((w) => taperState(w, race, null, 3))).toEqual([
      { taper: false, raceWeek: false },
      { taper: true, raceWeek: false },
      { taper: true, raceWeek: false },
      { taper: true, raceWeek: true },
      { taper: false, raceWeek: false },
    ]);
  });

  it('with a taper start: from its week to race week, or taperWeeks weeks without a race', () => {
    expect(taperState('2027-W05', race, '2027-02-03', 3).taper).toBe(true);
    expect(taperState('2027-W04', race, '2027-02-03', 3).taper).toBe(false);
    expect(taperState('2027-W07', null, '2027-02-03', 3).taper).toBe(true);
    expect(taperState('2027-W08', null, '2027-02-03', 3).taper).toBe(false);
  });

  it('neither without a race date or taper start', () => {
    expect(taperState('2027-W06', null, null, 3)).toEqual({ taper: false, raceWeek: false });
  });
});
