/** Training plan domain types, shared by plan import/export, the generator, the checker and analysis. */

export const SESSION_KINDS = [
  'rest',
  'easy',
  'recovery',
  'long',
  'tempo',
  'threshold',
  'intervals',
  'hills',
  'race_pace',
  'race',
  'strength',
  'cross',
] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/** Kinds that count as a *hard* day. The one definition every stage (check, analysis, recommend) uses. */
const HARD_KINDS: ReadonlySet<SessionKind> = new Set<SessionKind>([
  'intervals',
  'tempo',
  'threshold',
  'hills',
  'race_pace',
  'race',
  'long',
]);

export function isHardKind(kind: SessionKind): boolean {
  return HARD_KINDS.has(kind);
}

/** Quality sessions: hard kinds other than the long run and the race. */
export function isQualityKind(kind: SessionKind): boolean {
  return isHardKind(kind) && kind !== 'long' && kind !== 'race';
}

export function isRunKind(kind: SessionKind): boolean {
  return kind !== 'rest' && kind !== 'strength' && kind !== 'cross';
}

/** How messages name a kind in a sentence: `easy run`, `hill repeats`, `strength session`. */
export const KIND_NAMES: Readonly<Record<SessionKind, string>> = {
  rest: 'rest day',
  easy: 'easy run',
  recovery: 'recovery run',
  long: 'long run',
  tempo: 'tempo run',
  threshold: 'threshold run',
  intervals: 'intervals',
  hills: 'hill repeats',
  race_pace: 'race-pace run',
  race: 'race',
  strength: 'strength session',
  cross: 'cross-training',
};

export type IntensityTarget =
  | { type: 'hr_zone'; zone: number }
  | { type: 'pace'; minSPerKm: number; maxSPerKm: number }
  | { type: 'rpe'; rpe: number };

export interface PlannedSession {
  /** Local calendar date, YYYY-MM-DD. */
  date: string;
  /** Order within the day: 1 = first (AM), 2 = second (PM), … */
  order: number;
  kind: SessionKind;
  distanceM: number | null;
  durationS: number | null;
  target: IntensityTarget | null;
  notes: string | null;
}

/** A stored planned session: the session with its database id. */
export interface PlannedSessionRef extends PlannedSession {
  /** Database id of the planned session. */
  id: string;
}

export interface RaceInfo {
  date: string;
  distanceM: number | null;
  goalTimeS: number | null;
}

export interface TrainingPlan {
  name: string;
  /** First day of the plan (YYYY-MM-DD); week 1 is the ISO week containing it. */
  startDate: string;
  race: RaceInfo | null;
  /** Preferred units for display and export: distances are stored in metres regardless. */
  units: 'km' | 'mi';
  sessions: PlannedSession[];
}
