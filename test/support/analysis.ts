/** Test factories for matching and compliance (plain objects with overridable defaults). */
import type { SessionKind } from '../../src/domain/plan.ts';
import type { ActivityMetrics, MatchActivity, PlannedSessionRef } from '../../src/analysis/types.ts';

export function planned(id: string, date: string, kind: SessionKind, over: Partial<PlannedSessionRef> = {}): PlannedSessionRef {
  return { id, date, kind, order: 1, distanceM: null, durationS: null, target: null, notes: null, ...over };
}

export function activity(id: string, localDate: string, over: Partial<MatchActivity> = {}): MatchActivity {
  return {
    id,
    localDate,
    category: 'run',
    startTime: new Date(`${localDate}T08:00:00Z`),
    distanceM: null,
    movingS: null,
    elapsedS: 3600,
    ...over,
  };
}

export function metrics(activityId: string, over: Partial<ActivityMetrics> = {}): ActivityMetrics {
  return {
    activityId,
    basis: 'streams',
    movingS: 3600,
    distanceM: null,
    paceSPerKm: null,
    timeInZonesS: null,
    trimp: null,
    load: 0,
    loadBasis: 'trimp',
    intensity: null,
    intervals: false,
    long: false,
    ...over,
  };
}

/** Runs `f`, turning a thrown error into its name and message so two implementations can be compared. */
export function outcome<T>(f: () => T): T | { threw: string } {
  try {
    return f();
  } catch (e) {
    return { threw: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}
