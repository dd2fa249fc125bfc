/** Building blocks of the scenario weeks the analysis and report tests encode as FIT files and plans. */
import type { PlannedSession, SessionKind } from '../../src/domain/plan.ts';
import { encodeRun, encodeStrength, type SynthLap } from '../../src/synth/fit.ts';

/** `date` at `time` (HH:MM), UTC. */
export const at = (date: string, time: string): Date => new Date(`${date}T${time}:00Z`);

/** `km` one-kilometre laps at `paceS` seconds each and `hr` beats per minute. */
export const steady = (km: number, paceS: number, hr: number): SynthLap[] => Array.from({ length: km }, () => ({ durationS: paceS, distanceM: 1000, avgHr: hr }));

/** A planned session without target or notes. */
export const session = (date: string, order: number, kind: SessionKind, over: { distanceM?: number; durationS?: number } = {}): PlannedSession => ({
  date,
  order,
  kind,
  distanceM: over.distanceM ?? null,
  durationS: over.durationS ?? null,
  target: null,
  notes: null,
});

/** 2.5 km warm-up, 6 × (800 m hard, 300 m jog), 1.9 km cool-down: an interval session. */
export const intervalLaps = (): SynthLap[] => [
  { durationS: 900, distanceM: 2500, avgHr: 132, intensity: 'warmup' },
  ...Array.from({ length: 6 }, () => [
    { durationS: 200, distanceM: 800, avgHr: 178 },
    { durationS: 120, distanceM: 300, avgHr: 150, intensity: 'rest' as const },
  ]).flat(),
  { durationS: 700, distanceM: 1900, avgHr: 135, intensity: 'cooldown' },
];

/**
 * The activities of the report tests' week 2027-W03, as FIT files (device serials `serialBase` + 1…4):
 * Tuesday intervals and an evening strength session, Wednesday easy 8 km, Sunday long 24 km.
 */
export function reportWeekFiles(serialBase: number): { filename: string; bytes: Uint8Array }[] {
  return [
    { filename: 'tue.fit', bytes: encodeRun({ startTime: at('2027-01-19', '06:00'), serialNumber: serialBase + 1, recordIntervalS: 2, laps: intervalLaps() }) },
    {
      filename: 'tue-strength.fit',
      bytes: encodeStrength({
        startTime: at('2027-01-19', '17:00'),
        serialNumber: serialBase + 2,
        avgHr: 105,
        sets: Array.from({ length: 14 }, () => ({ category: 'squat', reps: 8, weightKg: 60, durationS: 50, restS: 140 })),
      }),
    },
    { filename: 'wed.fit', bytes: encodeRun({ startTime: at('2027-01-20', '06:30'), serialNumber: serialBase + 3, recordIntervalS: 2, laps: steady(8, 360, 135) }) },
    { filename: 'sun.fit', bytes: encodeRun({ startTime: at('2027-01-24', '08:00'), serialNumber: serialBase + 4, recordIntervalS: 2, laps: steady(24, 350, 142) }) },
  ];
}
