import { describe, expect, it } from 'vitest';
import { manualSportOf, parseExercise, unavailableDays } from './athlete-input.ts';
import { categorize } from './activity.ts';

describe('parseExercise', () => {
  it('reads name, sets × reps and an optional weight', () => {
    expect(parseExercise('squat 3x8x60')).toEqual({ name: 'squat', sets: 3, reps: 8, weightKg: 60 });
    expect(parseExercise('Romanian deadlift 4×6×82.5 kg')).toEqual({ name: 'Romanian deadlift', sets: 4, reps: 6, weightKg: 82.5 });
    expect(parseExercise('split squat: 3x10@20kg')).toEqual({ name: 'split squat', sets: 3, reps: 10, weightKg: 20 });
    expect(parseExercise('plank 3x1')).toEqual({ name: 'plank', sets: 3, reps: 1, weightKg: null });
  });

  it('refuses what is not an exercise', () => {
    for (const text of ['squats', '3x8', 'squat 3', 'squat 3x', 'squat x8x60', '']) expect(parseExercise(text), text).toBeNull();
  });
});

describe('manualSportOf', () => {
  it('stores strength as a watch names it, so it is categorised as strength; cross-training as other', () => {
    const strength = manualSportOf('strength');
    expect(categorize(strength.sport, strength.subSport)).toBe('strength');
    for (const s of ['cycling', 'swimming', 'elliptical', 'rowing'] as const) expect(categorize(manualSportOf(s).sport, null)).toBe('other');
  });
});

describe('unavailableDays', () => {
  it('lists each day of the range once, clipped to the range, illness winning over travel', () => {
    const days = unavailableDays(
      [
        { from: '2027-01-08', to: '2027-01-12', reason: 'travel' },
        { from: '2027-01-12', to: '2027-01-13', reason: 'illness' },
        { from: '2027-01-20', to: '2027-01-25', reason: 'injury' },
      ],
      '2027-01-11',
      '2027-01-17',
    );
    expect(days).toEqual([
      { date: '2027-01-11', reason: 'travel' },
      { date: '2027-01-12', reason: 'illness' },
      { date: '2027-01-13', reason: 'illness' },
    ]);
  });
});
