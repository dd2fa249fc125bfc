/** Building blocks of the scenario weeks the analysis and report tests encode as FIT files and plans. */
import type { PlannedSession, SessionKind } from '../../src/domain/plan.ts';
import type { SynthLap } from '../../src/synth/fit.ts';

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
