import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MARATHON_M } from './rules.ts';
import { pacesForMarathonGoal, predictTimeS, trainingPaces, vdotFromRace } from './paces.ts';

const mmss = (s: number): string => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;

describe('paces (Daniels/Gilbert VDOT)', () => {
  it('the worked example of docs/paces.md: a 3:30:00 marathon goal', () => {
    expect(vdotFromRace(MARATHON_M, 12_600)).toBeCloseTo(44.6, 1);
    const p = pacesForMarathonGoal(12_600);
    const shown = Object.fromEntries(Object.entries(p).map(([k, r]) => [k, `${mmss(r.fastSPerKm)}-${mmss(r.slowSPerKm)}`]));
    expect(shown).toEqual({
      easy: '5:37-6:11',
      long: '5:37-6:11',
      marathon: '4:54-5:03',
      threshold: '4:38-4:45',
      interval: '4:13-4:23',
      repetition: '3:54-4:03',
    });
  });

  it('predicts a marathon from a 10K: 45:00 → VDOT 45.3, about 3:27', () => {
    const vdot = vdotFromRace(10_000, 2700);
    expect(vdot).toBeCloseTo(45.3, 1);
    expect(Math.round(predictTimeS(vdot, MARATHON_M) / 60)).toBe(207);
  });

  it('orders the paces and gives back the race time it came from (goals 2:30–5:30)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 9000, max: 19_800 }), (goal) => {
        const vdot = vdotFromRace(MARATHON_M, goal);
        expect(predictTimeS(vdot, MARATHON_M)).toBeCloseTo(goal, 0);
        const p = trainingPaces(vdot);
        expect(p.repetition.slowSPerKm).toBeLessThan(p.interval.fastSPerKm + 1e-9);
        expect(p.interval.slowSPerKm).toBeLessThan(p.threshold.fastSPerKm);
        expect(p.threshold.slowSPerKm).toBeLessThan(p.marathon.fastSPerKm);
        expect(p.marathon.slowSPerKm).toBeLessThan(p.easy.fastSPerKm);
        expect(Math.abs((p.marathon.fastSPerKm + p.marathon.slowSPerKm) / 2 - goal / (MARATHON_M / 1000))).toBeLessThan(0.5);
      }),
      { numRuns: 200 },
    );
  });
});
