/**
 * Cross-training (issue #18, point 17): cycling, swimming, elliptical, rowing — every activity that is
 * neither a run nor a strength session. It counts as training load (its metrics' load is in the daily
 * load like any activity's) but never as running volume; the week shows it on its own.
 */
import { activityDurationS } from './matching.ts';
import type { ActivityMetrics, CrossTraining, MatchActivity } from './types.ts';

/** The week's cross-training: sessions, time, distance and load, with the sports in order of first appearance. */
export function crossTrainingOf(
  activities: readonly (MatchActivity & { sport?: string })[],
  metrics: ReadonlyMap<string, ActivityMetrics>,
): CrossTraining {
  const other = [...activities].filter((a) => a.category === 'other').sort((a, b) => a.startTime.getTime() - b.startTime.getTime() || (a.id < b.id ? -1 : 1));
  let durationS = 0;
  let distanceM = 0;
  let load = 0;
  for (const a of other) {
    durationS += activityDurationS(a) ?? 0;
    distanceM += a.distanceM ?? 0;
    load += metrics.get(a.id)?.load ?? 0;
  }
  return { sessions: other.length, durationS, distanceM, load, sports: [...new Set(other.map((a) => a.sport ?? 'other'))] };
}
