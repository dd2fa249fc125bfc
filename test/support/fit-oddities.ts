/**
 * Odd but real-world FIT files, built with Garmin's SDK `Encoder`, for the decoder's robustness tests.
 * Each builder reproduces a shape seen in public files that crashed or misbehaved in Kinetic's import:
 * pool swims whose records carry no timestamp, laps without `start_time`, chained FIT files, activity
 * files without a session message, sessions without `total_elapsed_time`, settings / workout files,
 * and a triathlon summary on which the SDK's decoder throws halfway through.
 *
 * Every value is whole or exactly representable in FIT's scaled integers, so the tests can compare
 * what the decoder reads back with the numbers written here.
 *
 * SDK quirks (see src/synth/fit.ts): the encoder reuses a local definition when a message has the same
 * *set* of fields but writes values in the object's key order, so every builder below writes its
 * fields in one fixed order and leaves absent fields `undefined` (skipped by the encoder). Leaving out
 * `timestamp` that way is how a record "without a timestamp" is written.
 */
import { Encoder, Profile } from '@garmin/fitsdk';
import { decodeFit } from '../../src/ingest/fit/decode.ts';
import { FitDecodeError } from '../../src/ingest/fit/errors.ts';
import type {
  FileIdMesg,
  HrMesg,
  LapMesg,
  Mesg,
  RecordMesg,
  SessionMesg,
  SetMesg,
  SportMesg,
  UserProfileMesg,
  WorkoutMesg,
} from '@garmin/fitsdk';

/** Start of every odd activity: a Sunday morning in UTC. */
export const ODD_START = new Date('2026-04-12T06:00:00Z');

const at = (seconds: number): Date => new Date(ODD_START.getTime() + seconds * 1000);

type Sport = NonNullable<SessionMesg['sport']>;
type SubSport = NonNullable<SessionMesg['subSport']>;
type FileType = NonNullable<FileIdMesg['type']>;

/** One message to encode. */
interface Out {
  num: number;
  mesg: Mesg;
}

/** A message number from the profile (the typings allow a missing name; a missing one is a bug here). */
function mesgNum(name: string): number {
  const n = Profile.MesgNum[name];
  if (n === undefined) throw new Error(`Profile.MesgNum.${name} missing`);
  return n;
}

function encode(messages: Out[]): Uint8Array {
  const encoder = new Encoder();
  for (const { num, mesg } of messages) encoder.onMesg(num, mesg);
  return encoder.close();
}

function fileId(type: FileType, serialNumber: number | undefined, created: Date | undefined): Out {
  const mesg: FileIdMesg = { type, manufacturer: 'garmin', product: 3990, serialNumber, timeCreated: created };
  return { num: mesgNum('FILE_ID'), mesg };
}

interface RecordSpec {
  /** Seconds after ODD_START; null writes the record without a timestamp. */
  t: number | null;
  distanceM?: number;
  hr?: number;
  speedMps?: number;
  cycles?: number;
  totalCycles?: number;
}

function record(r: RecordSpec): Out {
  const mesg: RecordMesg = {
    timestamp: r.t === null ? undefined : at(r.t),
    distance: r.distanceM,
    heartRate: r.hr,
    speed: r.speedMps,
    cycles: r.cycles,
    totalCycles: r.totalCycles,
  };
  return { num: mesgNum('RECORD'), mesg };
}

interface LapSpec {
  /** Seconds after ODD_START of the lap's start; undefined leaves `start_time` out. */
  start?: number;
  /** Seconds after ODD_START of the lap's end (the message timestamp); undefined leaves it out. */
  end?: number;
  elapsedS?: number;
  timerS?: number;
  distanceM?: number;
  sport?: Sport;
  intensity?: 'active' | 'rest';
}

function lap(l: LapSpec): Out {
  const mesg: LapMesg = {
    timestamp: l.end === undefined ? undefined : at(l.end),
    startTime: l.start === undefined ? undefined : at(l.start),
    totalElapsedTime: l.elapsedS,
    totalTimerTime: l.timerS,
    totalDistance: l.distanceM,
    sport: l.sport,
    intensity: l.intensity,
  };
  return { num: mesgNum('LAP'), mesg };
}

interface SessionSpec {
  start?: number;
  end?: number;
  sport: Sport;
  subSport?: SubSport;
  elapsedS?: number;
  timerS?: number;
  distanceM?: number;
  avgHr?: number;
  maxHr?: number;
}

function session(s: SessionSpec): Out {
  const mesg: SessionMesg = {
    timestamp: s.end === undefined ? undefined : at(s.end),
    startTime: s.start === undefined ? undefined : at(s.start),
    sport: s.sport,
    subSport: s.subSport,
    totalElapsedTime: s.elapsedS,
    totalTimerTime: s.timerS,
    totalDistance: s.distanceM,
    avgHeartRate: s.avgHr,
    maxHeartRate: s.maxHr,
  };
  return { num: mesgNum('SESSION'), mesg };
}

function sport(sportName: Sport, subSport: SubSport): Out {
  const mesg: SportMesg = { sport: sportName, subSport };
  return { num: mesgNum('SPORT'), mesg };
}

function set(s: { start?: number; durationS: number; reps?: number; setType: 'active' | 'rest'; messageIndex: number }): Out {
  const mesg: SetMesg = {
    timestamp: undefined,
    duration: s.durationS,
    repetitions: s.reps,
    setType: s.setType,
    startTime: s.start === undefined ? undefined : at(s.start),
    messageIndex: s.messageIndex,
  };
  return { num: mesgNum('SET'), mesg };
}

// ---------------------------------------------------------------------------------------------
// Pool swim: records without timestamps, laps without start_time

export const POOL_SWIM_SERIAL = 3_900_200_001;

/**
 * A 25 m pool swim (the shape of two real files the SDK reads without error): 12 records, of which
 * records 3, 4 and 8 carry no timestamp; three laps, the second without `start_time` (its start is its
 * end minus its elapsed time) and the third with no time at all (it starts where the second ended).
 * The session: 390 s elapsed, 360 s timer, 275 m.
 */
export function poolSwimWithUntimedRecords(opts: { withSerial: boolean } = { withSerial: true }): Uint8Array {
  const serialNumber = opts.withSerial ? POOL_SWIM_SERIAL : undefined;
  const untimed = new Set([3, 4, 8]);
  const records = Array.from({ length: 12 }, (_, i) =>
    record({ t: untimed.has(i) ? null : i * 30, distanceM: i * 25, hr: 120 + i }),
  );
  return encode([
    fileId('activity', serialNumber, ODD_START),
    ...records,
    lap({ start: 0, end: 150, elapsedS: 150, timerS: 150, distanceM: 100, intensity: 'active' }),
    lap({ end: 330, elapsedS: 180, timerS: 170, distanceM: 175, intensity: 'active' }),
    lap({ elapsedS: 60, timerS: 40, distanceM: 0, intensity: 'rest' }),
    session({ start: 0, end: 390, sport: 'swimming', subSport: 'lapSwimming', elapsedS: 390, timerS: 360, distanceM: 275, avgHr: 125, maxHr: 131 }),
  ]);
}

/** A pool swim whose records all lack a timestamp: the activity keeps its session and laps, no samples. */
export function poolSwimWithoutRecordTimes(): Uint8Array {
  return encode([
    fileId('activity', POOL_SWIM_SERIAL + 1, ODD_START),
    ...Array.from({ length: 5 }, (_, i) => record({ t: null, distanceM: i * 50, hr: 110 + i })),
    lap({ start: 0, end: 200, elapsedS: 200, timerS: 190, distanceM: 200 }),
    session({ start: 0, end: 200, sport: 'swimming', subSport: 'lapSwimming', elapsedS: 200, timerS: 190, distanceM: 200 }),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Chained files

export const CHAINED_RUN_SERIAL = 3_900_200_010;

/** A short run: 61 records at 1 Hz, 300 m, one lap. */
export function shortRun(serialNumber: number, startS = 0): Uint8Array {
  return encode(shortRunMessages(serialNumber, startS));
}

function shortRunMessages(serialNumber: number, startS: number): Out[] {
  return [
    fileId('activity', serialNumber, at(startS)),
    ...Array.from({ length: 61 }, (_, i) => record({ t: startS + i, distanceM: i * 5, hr: 140 })),
    lap({ start: startS, end: startS + 60, elapsedS: 60, timerS: 60, distanceM: 300 }),
    session({ start: startS, end: startS + 60, sport: 'running', elapsedS: 60, timerS: 60, distanceM: 300, avgHr: 140, maxHr: 140 }),
  ];
}

export interface ChainedFile {
  bytes: Uint8Array;
  /** Each FIT file of the chain on its own, as the watch would write it. */
  parts: Uint8Array[];
}

/**
 * Two FIT files in one, like the FIT SDK's chained `activity_poolswim` test file: a run (with serial
 * number and creation time) followed by the pool swim written by a watch that leaves `serial_number`
 * out, so the swim's identity falls back to the hash of its own bytes.
 */
export function chainedRunAndSwim(): ChainedFile {
  const parts = [shortRun(CHAINED_RUN_SERIAL), poolSwimWithUntimedRecords({ withSerial: false })];
  return { bytes: concat(parts), parts };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Activity files without a session message

export const SESSIONLESS_SERIAL = 3_900_200_020;
/** Records in the sessionless ride (as in the real file that failed). */
export const SESSIONLESS_RECORDS = 1979;

/**
 * A ride with no session message (the watch stopped before writing it): 1,979 records at 1 Hz,
 * 8 m per second, HR 120–149 cycling through the minute, and two laps. `withSport` adds the sport
 * message (cycling / road); `lapSport` writes the sport on the laps instead.
 */
export function sessionlessRide(opts: { withSport: boolean; lapSport?: Sport; laps?: boolean } = { withSport: true }): Uint8Array {
  const last = SESSIONLESS_RECORDS - 1;
  const laps = opts.laps ?? true;
  return encode([
    fileId('activity', SESSIONLESS_SERIAL, ODD_START),
    ...(opts.withSport ? [sport('cycling', 'road')] : []),
    ...Array.from({ length: SESSIONLESS_RECORDS }, (_, i) => record({ t: i, distanceM: i * 8, hr: 120 + (i % 30), speedMps: 8 })),
    ...(laps
      ? [
          lap({ start: 0, end: 1000, elapsedS: 1000, timerS: 990, distanceM: 8000, sport: opts.lapSport }),
          lap({ start: 1000, end: last, elapsedS: last - 1000, timerS: last - 1000, distanceM: (last - 1000) * 8, sport: opts.lapSport }),
        ]
      : []),
  ]);
}

/** An activity file that holds only its file_id: nothing to import. */
export function emptyActivityFile(): Uint8Array {
  return encode([fileId('activity', SESSIONLESS_SERIAL + 1, ODD_START)]);
}

/**
 * A run from a watch paired with an HRM-Tri: besides the records, `hr` messages hold the strap's beats.
 * Here the first `hr` message lacks its anchor timestamp, so the SDK cannot merge them into the
 * records (it throws after reading everything): the records keep their own HR of 140.
 */
export function runWithUnanchoredHrMessages(): Uint8Array {
  const hr: HrMesg = { timestamp: undefined, filteredBpm: [150, 151], eventTimestamp: [1, 2] };
  const run = shortRunMessages(3_900_200_070, 0);
  return encode([...run.slice(0, -1), { num: mesgNum('HR'), mesg: hr }, ...run.slice(-1)]);
}

// ---------------------------------------------------------------------------------------------
// Sessions without total_elapsed_time

/**
 * A 10-minute run whose session has no `total_elapsed_time`: records every 10 s from 0 to 600 s.
 * `withEnd` keeps the session's timestamp (end = 600 s); without it only the records tell the length.
 */
export function runWithoutElapsedTime(withEnd: boolean): Uint8Array {
  return encode([
    fileId('activity', 3_900_200_030 + (withEnd ? 0 : 1), ODD_START),
    ...Array.from({ length: 61 }, (_, i) => record({ t: i * 10, distanceM: i * 30, hr: 150 })),
    session({ start: 0, end: withEnd ? 600 : undefined, sport: 'running', distanceM: 1800 }),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Strength sets without times

/** A strength session with three sets: the second has no start_time (it is ordered after the first). */
export function strengthWithUntimedSet(): Uint8Array {
  return encode([
    fileId('activity', 3_900_200_040, ODD_START),
    set({ start: 0, durationS: 40, reps: 10, setType: 'active', messageIndex: 0 }),
    set({ durationS: 60, setType: 'rest', messageIndex: 1 }),
    set({ start: 100, durationS: 45, reps: 8, setType: 'active', messageIndex: 2 }),
    session({ start: 0, end: 145, sport: 'training', subSport: 'strengthTraining', elapsedS: 145, timerS: 145 }),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Files that are not activity recordings

export function workoutFile(): Uint8Array {
  const workout: WorkoutMesg = { wktName: 'Tempo 3x10', sport: 'running', numValidSteps: 1 };
  return encode([
    fileId('workout', 3_900_200_050, ODD_START),
    { num: mesgNum('WORKOUT'), mesg: workout },
  ]);
}

export function settingsFile(): Uint8Array {
  const profile: UserProfileMesg = { friendlyName: 'Ada', weight: 58, restingHeartRate: 48 };
  return encode([
    fileId('settings', 3_900_200_051, ODD_START),
    { num: mesgNum('USER_PROFILE'), mesg: profile },
  ]);
}

/** A course: records with distance and times (the route's plan), but no recording. */
export function courseFile(): Uint8Array {
  return encode([
    fileId('course', 3_900_200_052, ODD_START),
    ...Array.from({ length: 5 }, (_, i) => record({ t: i * 60, distanceM: i * 200 })),
    lap({ start: 0, end: 240, elapsedS: 240, timerS: 240, distanceM: 800 }),
  ]);
}

// ---------------------------------------------------------------------------------------------
// A file the SDK's decoder throws on

export const SUMMARY_SERIAL = 3_900_200_060;

/**
 * A triathlon summary (as a FR255 writes): five sessions (swim, transition, bike, transition, run),
 * then records. The first record holds both `cycles` and `total_cycles`, on which @garmin/fitsdk
 * 21.217.0 throws a TypeError ("Cannot read properties of undefined (reading '0')") while accumulating
 * the field, and stops: the sessions are read, the records are not.
 */
export function triathlonSummaryThatBreaksTheSdk(): Uint8Array {
  return encode([
    fileId('activity', SUMMARY_SERIAL, ODD_START),
    session({ start: 0, end: 1200, sport: 'swimming', subSport: 'openWater', elapsedS: 1200, timerS: 1200, distanceM: 1500 }),
    session({ start: 1200, end: 1320, sport: 'transition', elapsedS: 120, timerS: 120 }),
    session({ start: 1320, end: 4920, sport: 'cycling', subSport: 'road', elapsedS: 3600, timerS: 3600, distanceM: 40000 }),
    session({ start: 4920, end: 5010, sport: 'transition', elapsedS: 90, timerS: 90 }),
    session({ start: 5010, end: 7410, sport: 'running', elapsedS: 2400, timerS: 2400, distanceM: 10000 }),
    record({ t: 5100, cycles: 3, totalCycles: 10 }),
    record({ t: 6000, distanceM: 3000, hr: 160 }),
    record({ t: 7000, distanceM: 8000, hr: 170 }),
  ]);
}

/** The same SDK failure before anything usable (the record that breaks it has no time): nothing to import. */
export function fileThatBreaksTheSdkFirst(): Uint8Array {
  return encode([
    fileId('activity', SUMMARY_SERIAL + 1, ODD_START),
    record({ t: null, cycles: 3, totalCycles: 10 }),
    session({ start: 0, end: 600, sport: 'running', elapsedS: 600, timerS: 600, distanceM: 2000 }),
  ]);
}

/** The reason decodeFit gives for bytes it must refuse; anything but a FitDecodeError fails the test. */
export function decodeFailure(bytes: Uint8Array): string {
  try {
    decodeFit(bytes, 'x');
  } catch (err) {
    if (err instanceof FitDecodeError) return err.message;
    throw err;
  }
  throw new Error('expected a FitDecodeError');
}
