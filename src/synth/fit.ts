/**
 * FIT file synthesizer: builds activity files the way a Garmin watch (FR965) writes them, with the
 * Garmin SDK's `Encoder`, for tests (exact expected values), the benchmark and `kinetic demo`.
 *
 * Every value is generated already quantised to what FIT stores (centimetres, mm/s, 1/5 m altitude,
 * milliseconds, 1/16 kg, whole-bpm HR), so what a correct decoder reads back is known exactly:
 * `expectedSummary()` returns it, computed with the same float operations as the SDK decoder
 * (`raw / scale - offset`), so tests may compare with `toEqual`.
 *
 * Output is deterministic: no clock, no Math.random; the small noise (HR wobble, cadence jitter,
 * terrain) comes from a PRNG seeded with the session's own content, so a session generates the same
 * samples whether it is encoded alone or inside a multi-session file.
 *
 * SDK quirks this module works around (@garmin/fitsdk 21.217.0):
 * - Enum values are the SDK's camelCase strings (`'strengthTraining'`, `'benchPress'`); FIT's
 *   snake_case names (`'strength_training'`) are rejected. Inputs and expectations here use snake_case
 *   (the domain's naming); we convert.
 * - The encoder reuses a local message definition when the *set* of fields matches, but writes the
 *   values in the new object's key order: two messages of one type with the same fields in a
 *   different key order corrupt the file silently. Every message type here has one builder with a
 *   fixed key order (absent fields are `undefined`, which the encoder skips).
 * - Out-of-range integers are masked, not rejected (a 70 m/s `speed` wraps in uint16), and a value
 *   equal to the type's invalid value (HR 255) reads back as absent: inputs are validated first.
 * - An `onMesg` that throws has already written part of the message: the encoder is unusable after.
 * - `local_timestamp` must be a number (a `Date` is not converted, although the typings allow it).
 */
import { Encoder, Profile, Utils } from '@garmin/fitsdk';
import type {
  ActivityMesg,
  DeviceInfoMesg,
  EventMesg,
  FileCreatorMesg,
  FileIdMesg,
  LapMesg,
  Mesg,
  RecordMesg,
  SessionMesg,
  SetMesg,
} from '@garmin/fitsdk';
import { categorize, type ActivityCategory, type SampleStreams, type StrengthSet } from '../domain/activity.ts';

// ---------------------------------------------------------------------------------------------
// Inputs

export interface SynthLap {
  durationS: number;
  distanceM: number;
  avgHr: number;
  intensity?: 'active' | 'rest' | 'warmup' | 'cooldown';
}

export interface SynthRun {
  /** UTC, whole seconds. */
  startTime: Date;
  /** Records are generated at 1 Hz (or every `recordIntervalS`): per lap constant speed = distance/duration, HR ramps smoothly around avgHr. */
  laps: SynthLap[];
  /** file_id serial (default 3_900_000_001). */
  serialNumber?: number;
  /** Default running. */
  sport?: 'running' | 'cycling' | 'swimming';
  /** Default true; false → no heart_rate in records/laps/session. */
  withHr?: boolean;
  /** Offset of the wearer's local time from UTC, for the activity's local_timestamp (default 0). */
  utcOffsetS?: number;
  /** Seconds between records, 1–10 (default 1); see `RecordInterval`. */
  recordIntervalS?: number;
}

/**
 * Records every `recordIntervalS` seconds instead of every second, like a watch's "smart recording":
 * a record at every multiple of the interval, at the first whole second of every lap, and at the end.
 * Fewer records make large generated histories (the demo, benchmarks) faster to encode and decode.
 */
export type RecordInterval = number;

export interface SynthSet {
  /** FIT exercise_category name in snake_case, e.g. 'squat', 'deadlift', 'lunge', 'plank', 'core', 'bench_press', 'unknown'. */
  category: string;
  reps: number | null;
  weightKg: number | null;
  /** Active time of the set (≥ 1 s; stored to the millisecond). */
  durationS: number;
  /** Rest after the set: 0 for none, else ≥ 1 s (written as a `rest` set). */
  restS: number;
}

export interface SynthStrength {
  /** UTC, whole seconds. */
  startTime: Date;
  sets: SynthSet[];
  /** Wrist HR around this value; absent → the file holds no heart rate at all. */
  avgHr?: number;
  serialNumber?: number;
  utcOffsetS?: number;
  /** Seconds between records, 1–10 (default 1); see `RecordInterval`. */
  recordIntervalS?: number;
}

export type SynthSession = ({ type: 'run' } & SynthRun) | ({ type: 'strength' } & SynthStrength);

export interface SynthFileOptions {
  /** file_id / device_info serial; default: the first session's serialNumber, else 3_900_000_001. */
  serialNumber?: number;
  /** Default: the first session's utcOffsetS, else 0. */
  utcOffsetS?: number;
}

// ---------------------------------------------------------------------------------------------
// Expected values (what a correct decoder reads back)

/** A lap as stored. `index` is the position within its session; `messageIndex` is the file-wide FIT index. */
export interface ExpectedLap {
  index: number;
  messageIndex: number;
  startTime: Date;
  /** The lap message's timestamp: the time of the lap's last record. */
  endTime: Date;
  elapsedS: number;
  movingS: number;
  distanceM: number;
  avgHr: number | null;
  maxHr: number | null;
  /** enhanced_avg_speed; null for strength laps. */
  avgSpeedMps: number | null;
  avgCadence: number | null;
  maxCadence: number | null;
  ascentM: number | null;
  descentM: number | null;
  calories: number;
  /** snake_case FIT intensity: active, rest, warmup, cooldown. */
  intensity: string;
}

/** A set as stored: `index` is the position within its session, `messageIndex` the file-wide FIT index. */
export interface ExpectedSet extends StrengthSet {
  messageIndex: number;
}

/**
 * One session as stored. Enum values are FIT names in snake_case (`running`, `training`,
 * `strength_training`); the SDK decoder returns them in camelCase (`strengthTraining`).
 */
export interface ExpectedSession {
  kind: 'run' | 'strength';
  messageIndex: number;
  sport: string;
  subSport: string;
  category: ActivityCategory;
  startTime: Date;
  /** The session message's timestamp (= time of its last record). */
  endTime: Date;
  elapsedS: number;
  movingS: number;
  /** total_distance; 0 for strength sessions (as FR965 writes it). */
  distanceM: number;
  /** total_ascent / total_descent in whole metres; null when no altitude was recorded. */
  ascentM: number | null;
  descentM: number | null;
  avgHr: number | null;
  maxHr: number | null;
  avgSpeedMps: number | null;
  maxSpeedMps: number | null;
  avgCadence: number | null;
  maxCadence: number | null;
  calories: number;
  /** Sum of active sets' repetitions (session total_cycles, read as totalReps); null for runs. */
  totalReps: number | null;
  numLaps: number;
  firstLapIndex: number;
  laps: ExpectedLap[];
  /** Active and rest sets in time order. Rest sets have null category/reps/weight. */
  sets: ExpectedSet[];
  /**
   * One sample per second from the start to the first whole second at or after the end (which holds
   * the full distance); `t` in seconds since startTime.
   */
  streams: SampleStreams;
  recordCount: number;
}

export interface ExpectedFile {
  fileId: {
    type: 'activity';
    manufacturer: 'garmin';
    product: number;
    /** The SDK adds this sub-field name for Garmin products. */
    garminProduct: string;
    serialNumber: number;
    timeCreated: Date;
  };
  activity: { timestamp: Date; localTimestamp: number; totalTimerS: number; numSessions: number };
  sessions: ExpectedSession[];
  recordCount: number;
}

// ---------------------------------------------------------------------------------------------
// Public API

export const DEFAULT_SERIAL_NUMBER = 3_900_000_001;
/** Garmin product id of the Forerunner 965 (Profile.types.garminProduct[4315] = 'fr965'). */
export const SYNTH_PRODUCT = 4315;
export const SYNTH_PRODUCT_NAME = 'fr965';
const SOFTWARE_VERSION = 25.06; // device_info software_version, scale 100

export function encodeRun(run: SynthRun): Uint8Array {
  return encodeMulti([{ type: 'run', ...run }]);
}

export function encodeStrength(s: SynthStrength): Uint8Array {
  return encodeMulti([{ type: 'strength', ...s }]);
}

/** Several sessions in one file (e.g. strength / run / strength), each its own session message; file_id time_created = first start. */
export function encodeMulti(sessions: SynthSession[], opts: SynthFileOptions = {}): Uint8Array {
  const plan = buildFile(sessions, opts);
  const encoder = new Encoder();
  for (const { num, mesg } of plan.messages) encoder.onMesg(num, mesg);
  return encoder.close();
}

export function expectedRun(run: SynthRun): ExpectedFile {
  return buildFile([{ type: 'run', ...run }], {}).expected;
}

export function expectedStrength(s: SynthStrength): ExpectedFile {
  return buildFile([{ type: 'strength', ...s }], {}).expected;
}

export function expectedMulti(sessions: SynthSession[], opts: SynthFileOptions = {}): ExpectedFile {
  return buildFile(sessions, opts).expected;
}

/** What decoding `encodeMulti(sessions, opts)` (or encodeRun / encodeStrength for one session) must give. */
export function expectedSummary(input: SynthSession | SynthSession[], opts: SynthFileOptions = {}): ExpectedFile {
  return buildFile(Array.isArray(input) ? input : [input], opts).expected;
}

/** `strength_training` → `strengthTraining` (the SDK's enum spelling). */
export function toSdkEnumName(snakeName: string): string {
  return snakeName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** `strengthTraining` → `strength_training`. */
export function fromSdkEnumName(sdkName: string): string {
  return sdkName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Quantisation: exactly the encoder's `Math.round((v + offset) * scale)` and decoder's `raw / scale - offset`

const DIST_SCALE = 100; // cm
const SPEED_SCALE = 1000; // mm/s
const TIME_SCALE = 1000; // ms
const ALT_SCALE = 5;
const ALT_OFFSET = 500;
const WEIGHT_SCALE = 16;
const UINT16_INVALID = 0xffff;

const fromRaw = (raw: number, scale: number, offset = 0): number => raw / scale - offset;
const toRaw = (value: number, scale: number, offset = 0): number => Math.round((value + offset) * scale);

const FIT_EPOCH_MS = Utils.FIT_EPOCH_MS;
const fitSeconds = (d: Date): number => (d.getTime() - FIT_EPOCH_MS) / 1000;
const addSeconds = (d: Date, s: number): Date => new Date(d.getTime() + s * 1000);

// ---------------------------------------------------------------------------------------------
// Enum names (validated against the SDK profile, typed as the SDK's unions)

type SdkSport = NonNullable<SessionMesg['sport']>;
type SdkSubSport = NonNullable<SessionMesg['subSport']>;
type SdkIntensity = NonNullable<LapMesg['intensity']>;
type SdkExerciseCategory = NonNullable<SetMesg['category']>[number];

const EXERCISE_CATEGORIES = new Set(Object.values(Profile.types['exerciseCategory'] ?? {}));

function exerciseCategory(name: string): SdkExerciseCategory {
  const sdk = toSdkEnumName(name);
  if (!EXERCISE_CATEGORIES.has(sdk)) throw new RangeError(`unknown FIT exercise_category "${name}"`);
  // Checked against Profile.types.exerciseCategory just above; the SDK types the union as string literals.
  return sdk as SdkExerciseCategory;
}

interface SportSpec {
  sport: SdkSport;
  subSport: SdkSubSport;
  /** Altitude recorded (outdoor, barometer)? */
  altitude: boolean;
  cadence: (speedMps: number, jitter: number) => number;
  kcalPerKm: number;
  kcalPerMin: number;
}

const SPORTS: Record<'running' | 'cycling' | 'swimming', SportSpec> = {
  // Running cadence in FIT is strides (one foot) per minute: ~85 rpm = 170 steps/min, a bit higher when faster.
  running: { sport: 'running', subSport: 'generic', altitude: true, cadence: (v, j) => clamp(78 + 2.6 * v + j, 60, 105), kcalPerKm: 68, kcalPerMin: 0 },
  cycling: { sport: 'cycling', subSport: 'road', altitude: true, cadence: (_v, j) => 86 + 2 * j, kcalPerKm: 22, kcalPerMin: 0 },
  swimming: { sport: 'swimming', subSport: 'openWater', altitude: false, cadence: (_v, j) => 30 + j, kcalPerKm: 0, kcalPerMin: 9 },
};

// ---------------------------------------------------------------------------------------------
// Deterministic noise

/** FNV-1a over a canonical description of the input. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(s: SynthSession): number {
  const parts: (string | number | boolean | null)[] = [s.type, s.startTime.getTime()];
  if (s.type === 'run') {
    parts.push(s.sport ?? 'running', s.withHr ?? true);
    for (const l of s.laps) parts.push(l.durationS, l.distanceM, l.avgHr, l.intensity ?? 'active');
  } else {
    parts.push(s.avgHr ?? null);
    for (const x of s.sets) parts.push(x.category, x.reps, x.weightKg, x.durationS, x.restS);
  }
  return hashString(parts.join('|'));
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

// ---------------------------------------------------------------------------------------------
// Validation

function checkStart(d: Date, what: string): void {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`${what}: invalid date`);
  if (ms % 1000 !== 0) throw new RangeError(`${what}: must be whole seconds (FIT stores seconds), got ${d.toISOString()}`);
  if (ms < FIT_EPOCH_MS + 0x10000000 * 1000) throw new RangeError(`${what}: before 1998 reads as device-relative time in FIT`);
}

function checkDurationMs(seconds: number, what: string): number {
  if (!Number.isFinite(seconds) || seconds < 1) throw new RangeError(`${what}: duration must be ≥ 1 s, got ${seconds}`);
  const ms = Math.round(seconds * TIME_SCALE);
  if (ms > 7 * 24 * 3600 * 1000) throw new RangeError(`${what}: duration over a week`);
  return ms;
}

function checkHr(hr: number, what: string): void {
  if (!Number.isFinite(hr) || hr < 30 || hr > 240) throw new RangeError(`${what}: avgHr must be within 30–240, got ${hr}`);
}

// ---------------------------------------------------------------------------------------------
// Message builders: one per message type, fixed key order (see the encoder quirk above)

interface Out {
  num: number;
  mesg: Mesg;
}

const M = Profile.MesgNum;
const mesgNum = (name: string): number => {
  const n = M[name];
  if (n === undefined) throw new Error(`Profile.MesgNum.${name} missing`);
  return n;
};
const NUM = {
  fileId: mesgNum('FILE_ID'),
  fileCreator: mesgNum('FILE_CREATOR'),
  deviceInfo: mesgNum('DEVICE_INFO'),
  event: mesgNum('EVENT'),
  record: mesgNum('RECORD'),
  lap: mesgNum('LAP'),
  set: mesgNum('SET'),
  session: mesgNum('SESSION'),
  activity: mesgNum('ACTIVITY'),
};

function timerEvent(timestamp: Date, eventType: 'start' | 'stopAll'): Out {
  const mesg: EventMesg = { timestamp, event: 'timer', eventType, data: 0, eventGroup: 0 };
  return { num: NUM.event, mesg };
}

interface RecordValues {
  timestamp: Date;
  distanceCm: number;
  hr: number | null;
  cadence: number | null;
  speedMm: number | null;
  altRaw: number | null;
}

function recordMesg(r: RecordValues): Out {
  const speed = r.speedMm === null ? undefined : fromRaw(r.speedMm, SPEED_SCALE);
  const altitude = r.altRaw === null ? undefined : fromRaw(r.altRaw, ALT_SCALE, ALT_OFFSET);
  const mesg: RecordMesg = {
    timestamp: r.timestamp,
    distance: fromRaw(r.distanceCm, DIST_SCALE),
    heartRate: r.hr ?? undefined,
    cadence: r.cadence ?? undefined,
    // `speed` is uint16 (max 65.534 m/s): written only when it fits; enhanced_speed always.
    speed: r.speedMm !== null && r.speedMm < UINT16_INVALID ? speed : undefined,
    enhancedSpeed: speed,
    altitude: r.altRaw !== null && r.altRaw < UINT16_INVALID ? altitude : undefined,
    enhancedAltitude: altitude,
  };
  return { num: NUM.record, mesg };
}

interface SummaryValues {
  timestamp: Date;
  startTime: Date;
  elapsedMs: number;
  distanceCm: number;
  calories: number;
  avgSpeedMm: number | null;
  maxSpeedMm: number | null;
  avgHr: number | null;
  maxHr: number | null;
  avgCadence: number | null;
  maxCadence: number | null;
  ascentM: number | null;
  descentM: number | null;
}

const speedValue = (mm: number | null): number | undefined => (mm === null ? undefined : fromRaw(mm, SPEED_SCALE));
const uint16Speed = (mm: number | null): number | undefined => (mm !== null && mm < UINT16_INVALID ? fromRaw(mm, SPEED_SCALE) : undefined);

function lapMesg(v: SummaryValues, messageIndex: number, intensity: SdkIntensity, last: boolean, spec: { sport: SdkSport; subSport: SdkSubSport }): Out {
  const elapsed = fromRaw(v.elapsedMs, TIME_SCALE);
  const mesg: LapMesg = {
    messageIndex,
    timestamp: v.timestamp,
    event: 'lap',
    eventType: 'stop',
    startTime: v.startTime,
    totalElapsedTime: elapsed,
    totalTimerTime: elapsed,
    totalDistance: fromRaw(v.distanceCm, DIST_SCALE),
    totalCalories: v.calories,
    avgSpeed: uint16Speed(v.avgSpeedMm),
    maxSpeed: uint16Speed(v.maxSpeedMm),
    avgHeartRate: v.avgHr ?? undefined,
    maxHeartRate: v.maxHr ?? undefined,
    avgCadence: v.avgCadence ?? undefined,
    maxCadence: v.maxCadence ?? undefined,
    totalAscent: v.ascentM ?? undefined,
    totalDescent: v.descentM ?? undefined,
    intensity,
    lapTrigger: last ? 'sessionEnd' : 'manual',
    sport: spec.sport,
    subSport: spec.subSport,
    enhancedAvgSpeed: speedValue(v.avgSpeedMm),
    enhancedMaxSpeed: speedValue(v.maxSpeedMm),
  };
  return { num: NUM.lap, mesg };
}

function sessionMesg(
  v: SummaryValues,
  messageIndex: number,
  spec: { sport: SdkSport; subSport: SdkSubSport },
  laps: { first: number; count: number },
  totalReps: number | null,
): Out {
  const elapsed = fromRaw(v.elapsedMs, TIME_SCALE);
  const mesg: SessionMesg = {
    messageIndex,
    timestamp: v.timestamp,
    event: 'session',
    eventType: 'stop',
    startTime: v.startTime,
    sport: spec.sport,
    subSport: spec.subSport,
    totalElapsedTime: elapsed,
    totalTimerTime: elapsed,
    totalDistance: fromRaw(v.distanceCm, DIST_SCALE),
    totalCycles: totalReps ?? undefined,
    totalCalories: v.calories,
    avgSpeed: uint16Speed(v.avgSpeedMm),
    maxSpeed: uint16Speed(v.maxSpeedMm),
    avgHeartRate: v.avgHr ?? undefined,
    maxHeartRate: v.maxHr ?? undefined,
    avgCadence: v.avgCadence ?? undefined,
    maxCadence: v.maxCadence ?? undefined,
    totalAscent: v.ascentM ?? undefined,
    totalDescent: v.descentM ?? undefined,
    firstLapIndex: laps.first,
    numLaps: laps.count,
    trigger: 'activityEnd',
    enhancedAvgSpeed: speedValue(v.avgSpeedMm),
    enhancedMaxSpeed: speedValue(v.maxSpeedMm),
  };
  return { num: NUM.session, mesg };
}

function setMesg(
  sessionStart: Date,
  s: { startTime: Date; durationMs: number; reps: number | null; weightRaw: number | null; setType: 'active' | 'rest'; category: SdkExerciseCategory | null; messageIndex: number },
): Out {
  const mesg: SetMesg = {
    // Real FR965 files stamp every set with the session start; the set's own time is start_time.
    timestamp: sessionStart,
    duration: fromRaw(s.durationMs, TIME_SCALE),
    repetitions: s.reps ?? undefined,
    weight: s.weightRaw === null ? undefined : fromRaw(s.weightRaw, WEIGHT_SCALE),
    setType: s.setType,
    startTime: s.startTime,
    category: s.category === null ? undefined : [s.category],
    messageIndex: s.messageIndex,
  };
  return { num: NUM.set, mesg };
}

// ---------------------------------------------------------------------------------------------
// Sessions

interface SessionPlan {
  messages: Out[];
  expected: ExpectedSession;
  /** Last record's timestamp. */
  end: Date;
  movingMs: number;
}

interface Sample {
  t: number;
  distanceCm: number;
  hr: number | null;
  cadence: number | null;
  speedMm: number | null;
  altRaw: number | null;
}

/** Aggregates over a run of samples, rounded the way FIT stores them. */
function aggregate(samples: Sample[], prevAltRaw: number | null): {
  avgHr: number | null;
  maxHr: number | null;
  avgCadence: number | null;
  maxCadence: number | null;
  ascentM: number | null;
  descentM: number | null;
} {
  const hrs = samples.map((s) => s.hr).filter((h): h is number => h !== null);
  const cads = samples.map((s) => s.cadence).filter((c): c is number => c !== null);
  let up = 0;
  let down = 0;
  let prev = prevAltRaw;
  let anyAlt = false;
  for (const s of samples) {
    if (s.altRaw === null) continue;
    anyAlt = true;
    if (prev !== null) {
      const d = s.altRaw - prev;
      if (d > 0) up += d;
      else down -= d;
    }
    prev = s.altRaw;
  }
  const mean = (xs: number[]): number | null => (xs.length === 0 ? null : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length));
  const max = (xs: number[]): number | null => (xs.length === 0 ? null : Math.max(...xs));
  return {
    avgHr: mean(hrs),
    maxHr: max(hrs),
    avgCadence: mean(cads),
    maxCadence: max(cads),
    // Altitude raw units are 1/5 m; FIT stores ascent/descent as whole metres.
    ascentM: anyAlt ? Math.round(up / ALT_SCALE) : null,
    descentM: anyAlt ? Math.round(down / ALT_SCALE) : null,
  };
}

interface Segment {
  offMs: number;
  durMs: number;
  distanceCm: number;
  targetHr: number;
  intensity: SdkIntensity;
  calories: number;
  speedMm: number | null;
}

/**
 * Sample index range [from, to) of each segment: samples at whole seconds t with off ≤ t·1000 < off+dur;
 * the final sample (at or just after the end) joins the last segment.
 */
/**
 * Sample times in whole seconds: every `intervalS`-th second, the first whole second of every
 * segment, and the first whole second at or after the end. With an interval of 1: 0, 1, …, end.
 */
function sampleTimes(segments: Segment[], totalMs: number, intervalS: number): number[] {
  const endS = Math.ceil(totalMs / 1000);
  const times = new Set<number>([endS]);
  for (let t = 0; t < endS; t += intervalS) times.add(t);
  for (const seg of segments) times.add(Math.ceil(seg.offMs / 1000));
  return [...times].filter((t) => t <= endS).sort((a, b) => a - b);
}

/** Index ranges into `times` of each segment's samples (the last segment also holds the end sample). */
function segmentRanges(segments: Segment[], times: number[]): [number, number][] {
  const firstAtOrAfter = (s: number): number => {
    const i = times.findIndex((t) => t >= s);
    return i === -1 ? times.length : i;
  };
  return segments.map((seg, i) => {
    const from = firstAtOrAfter(Math.ceil(seg.offMs / 1000));
    const to = i === segments.length - 1 ? times.length : firstAtOrAfter(Math.ceil((seg.offMs + seg.durMs) / 1000));
    return [from, to];
  });
}

function checkRecordInterval(intervalS: number | undefined, what: string): number {
  const k = intervalS ?? 1;
  if (!Number.isInteger(k) || k < 1 || k > 10) throw new RangeError(`${what}: recordIntervalS must be a whole number of seconds within 1–10, got ${intervalS}`);
  return k;
}

interface CommonPlanInput {
  segments: Segment[];
  rand: () => number;
  /** Per-second HR target, or null for no HR. */
  hr: ((segIndex: number, tInSeg: number, t: number) => number) | null;
  hrStartOffset: number;
  hrTauS: (segIndex: number) => number;
  distanceAt: ((segIndex: number, tMsInSeg: number) => number) | null;
  cadence: ((segIndex: number) => number) | null;
  altitude: ((distanceCm: number) => number) | null;
  /** Seconds between records (1 = every second). */
  intervalS: number;
}

function generateSamples(p: CommonPlanInput): { samples: Sample[]; ranges: [number, number][] } {
  const totalMs = p.segments.reduce((a, s) => a + s.durMs, 0);
  const times = sampleTimes(p.segments, totalMs, p.intervalS);
  const ranges = segmentRanges(p.segments, times);
  const samples: Sample[] = [];
  let hrState: number | null = null;
  let prevT = 0;
  for (let i = 0; i < p.segments.length; i++) {
    const seg = p.segments[i]!;
    const [from, to] = ranges[i]!;
    for (let j = from; j < to; j++) {
      const t = times[j]!;
      // The heart rate follows its target with time constant tau: per second, or over the gap since the last record.
      const alpha = 1 - Math.exp(-Math.max(1, t - prevT) / p.hrTauS(i));
      prevT = t;
      const inSegMs = Math.min(t * 1000 - seg.offMs, seg.durMs);
      const distanceCm = p.distanceAt === null ? 0 : p.distanceAt(i, inSegMs);
      let hr: number | null = null;
      if (p.hr !== null) {
        const target = p.hr(i, inSegMs / 1000, t);
        hrState = hrState === null ? target + p.hrStartOffset : hrState + (target - hrState) * alpha;
        hr = Math.round(clamp(hrState + (p.rand() - 0.5) * 1.2, 35, 225));
      }
      const cadence = p.cadence === null ? null : Math.round(p.cadence(i));
      const altRaw = p.altitude === null ? null : toRaw(p.altitude(distanceCm), ALT_SCALE, ALT_OFFSET);
      samples.push({ t, distanceCm, hr, cadence, speedMm: seg.speedMm, altRaw });
    }
  }
  return { samples, ranges };
}

function planRun(run: SynthRun, sessionIndex: number, firstLapIndex: number, rand: () => number): SessionPlan {
  const what = `run session ${sessionIndex}`;
  checkStart(run.startTime, `${what} startTime`);
  if (run.laps.length === 0) throw new RangeError(`${what}: needs at least one lap`);
  const sport = SPORTS[run.sport ?? 'running'];
  const withHr = run.withHr ?? true;

  let offMs = 0;
  const segments: Segment[] = run.laps.map((lap, i) => {
    const durMs = checkDurationMs(lap.durationS, `${what} lap ${i}`);
    if (!Number.isFinite(lap.distanceM) || lap.distanceM < 0 || lap.distanceM > 1_000_000) {
      throw new RangeError(`${what} lap ${i}: distance must be within 0–1000 km, got ${lap.distanceM}`);
    }
    if (withHr) checkHr(lap.avgHr, `${what} lap ${i}`);
    const distanceCm = toRaw(lap.distanceM, DIST_SCALE);
    const speedMm = Math.round((distanceCm * 10 * 1000) / durMs);
    const km = distanceCm / 100_000;
    const calories = Math.round(km * sport.kcalPerKm + (durMs / 60_000) * sport.kcalPerMin);
    const seg: Segment = { offMs, durMs, distanceCm, targetHr: lap.avgHr, intensity: lap.intensity ?? 'active', calories, speedMm };
    offMs += durMs;
    return seg;
  });
  const cumCm: number[] = [];
  segments.reduce((acc, s) => {
    cumCm.push(acc);
    return acc + s.distanceCm;
  }, 0);

  const phase = rand() * 2 * Math.PI;
  const terrain = { base: 20 + rand() * 80, p1: rand() * 2 * Math.PI, p2: rand() * 2 * Math.PI };
  const { samples, ranges } = generateSamples({
    segments,
    rand,
    hr: withHr
      ? (i, tInSeg, t) => {
          const seg = segments[i]!;
          const frac = tInSeg / (seg.durMs / 1000);
          // Cardiac drift across the lap (mean zero) plus a slow wobble.
          return seg.targetHr - 2 + 4 * frac + 1.2 * Math.sin((2 * Math.PI * t) / 83 + phase);
        }
      : null,
    hrStartOffset: -8,
    hrTauS: () => 10,
    intervalS: checkRecordInterval(run.recordIntervalS, what),
    distanceAt: (i, ms) => {
      const seg = segments[i]!;
      return cumCm[i]! + Math.round((seg.distanceCm * ms) / seg.durMs);
    },
    cadence: (i) => sport.cadence(segments[i]!.speedMm! / 1000, (rand() - 0.5) * 2),
    altitude: sport.altitude
      ? (cm) => {
          const d = cm / 100;
          return terrain.base + 6 * Math.sin((2 * Math.PI * d) / 1800 + terrain.p1) + 2.5 * Math.sin((2 * Math.PI * d) / 530 + terrain.p2);
        }
      : null,
  });

  return assemble({
    kind: 'run',
    start: run.startTime,
    sessionIndex,
    firstLapIndex,
    spec: sport,
    segments,
    samples,
    ranges,
    withSpeed: true,
    sets: [],
    totalReps: null,
  });
}

function planStrength(s: SynthStrength, sessionIndex: number, firstLapIndex: number, firstSetIndex: number, rand: () => number): SessionPlan {
  const what = `strength session ${sessionIndex}`;
  checkStart(s.startTime, `${what} startTime`);
  if (s.sets.length === 0) throw new RangeError(`${what}: needs at least one set`);
  if (s.avgHr !== undefined) checkHr(s.avgHr, what);
  const spec = { sport: 'training' as const, subSport: 'strengthTraining' as const };

  const segments: Segment[] = [];
  const sets: { startTime: Date; durationMs: number; reps: number | null; weightRaw: number | null; setType: 'active' | 'rest'; category: SdkExerciseCategory | null; messageIndex: number; categoryName: string | null }[] = [];
  let offMs = 0;
  let totalReps: number | null = null;
  s.sets.forEach((set, i) => {
    const durMs = checkDurationMs(set.durationS, `${what} set ${i}`);
    const category = exerciseCategory(set.category);
    if (set.reps !== null && (!Number.isInteger(set.reps) || set.reps < 0 || set.reps >= UINT16_INVALID)) {
      throw new RangeError(`${what} set ${i}: reps must be an integer 0–65534, got ${set.reps}`);
    }
    if (set.weightKg !== null && (!Number.isFinite(set.weightKg) || set.weightKg < 0 || toRaw(set.weightKg, WEIGHT_SCALE) >= UINT16_INVALID)) {
      throw new RangeError(`${what} set ${i}: weightKg must be within 0–4095 kg, got ${set.weightKg}`);
    }
    if (!Number.isFinite(set.restS) || set.restS < 0 || (set.restS > 0 && set.restS < 1)) {
      throw new RangeError(`${what} set ${i}: restS must be 0 or ≥ 1 s, got ${set.restS}`);
    }
    if (set.reps !== null) totalReps = (totalReps ?? 0) + set.reps;
    const activeCal = Math.round((durMs / 60_000) * 7);
    segments.push({ offMs, durMs, distanceCm: 0, targetHr: (s.avgHr ?? 0) + 12, intensity: 'active', calories: activeCal, speedMm: null });
    sets.push({
      startTime: addSeconds(s.startTime, Math.floor(offMs / 1000)),
      durationMs: durMs,
      reps: set.reps,
      weightRaw: set.weightKg === null ? null : toRaw(set.weightKg, WEIGHT_SCALE),
      setType: 'active',
      category,
      categoryName: fromSdkEnumName(String(category)),
      messageIndex: firstSetIndex + sets.length,
    });
    offMs += durMs;
    if (set.restS > 0) {
      const restMs = checkDurationMs(set.restS, `${what} rest ${i}`);
      segments.push({ offMs, durMs: restMs, distanceCm: 0, targetHr: (s.avgHr ?? 0) - 12, intensity: 'rest', calories: Math.round((restMs / 60_000) * 3), speedMm: null });
      sets.push({ startTime: addSeconds(s.startTime, Math.floor(offMs / 1000)), durationMs: restMs, reps: null, weightRaw: null, setType: 'rest', category: null, categoryName: null, messageIndex: firstSetIndex + sets.length });
      offMs += restMs;
    }
  });

  const phase = rand() * 2 * Math.PI;
  const { samples, ranges } = generateSamples({
    segments,
    rand,
    hr: s.avgHr === undefined ? null : (i, _tInSeg, t) => segments[i]!.targetHr + 1.5 * Math.sin((2 * Math.PI * t) / 41 + phase),
    hrStartOffset: -15,
    hrTauS: (i) => (segments[i]!.intensity === 'rest' ? 25 : 15),
    intervalS: checkRecordInterval(s.recordIntervalS, what),
    distanceAt: null,
    cadence: null,
    altitude: null,
  });

  const plan = assemble({
    kind: 'strength',
    start: s.startTime,
    sessionIndex,
    firstLapIndex,
    spec,
    segments,
    samples,
    ranges,
    withSpeed: false,
    sets: sets.map((x) => setMesg(s.startTime, x)),
    totalReps,
  });
  plan.expected.sets = sets.map((x, index) => ({
    index,
    messageIndex: x.messageIndex,
    setType: x.setType,
    startTime: x.startTime,
    durationS: fromRaw(x.durationMs, TIME_SCALE),
    category: x.categoryName,
    exerciseName: null,
    reps: x.reps,
    weightKg: x.weightRaw === null ? null : fromRaw(x.weightRaw, WEIGHT_SCALE),
  }));
  return plan;
}

/** Turns generated samples into messages (records with laps written as they end, then stop, last lap, sets, session) and the expected summary. */
function assemble(a: {
  kind: 'run' | 'strength';
  start: Date;
  sessionIndex: number;
  firstLapIndex: number;
  spec: { sport: SdkSport; subSport: SdkSubSport };
  segments: Segment[];
  samples: Sample[];
  ranges: [number, number][];
  withSpeed: boolean;
  sets: Out[];
  totalReps: number | null;
}): SessionPlan {
  const messages: Out[] = [timerEvent(a.start, 'start')];
  const laps: ExpectedLap[] = [];
  const lapOuts: Out[] = [];
  const totalMs = a.segments.reduce((acc, s) => acc + s.durMs, 0);
  const last = a.samples[a.samples.length - 1]!;
  const end = addSeconds(a.start, last.t);

  a.segments.forEach((seg, i) => {
    const [from, to] = a.ranges[i]!;
    const lapSamples = a.samples.slice(from, to);
    for (const smp of lapSamples) {
      messages.push(recordMesg({ timestamp: addSeconds(a.start, smp.t), distanceCm: smp.distanceCm, hr: smp.hr, cadence: smp.cadence, speedMm: smp.speedMm, altRaw: smp.altRaw }));
    }
    const prevAlt = from > 0 ? (a.samples[from - 1]?.altRaw ?? null) : null;
    const agg = aggregate(lapSamples, prevAlt);
    const isLast = i === a.segments.length - 1;
    const values: SummaryValues = {
      timestamp: addSeconds(a.start, lapSamples[lapSamples.length - 1]!.t),
      startTime: addSeconds(a.start, Math.floor(seg.offMs / 1000)),
      elapsedMs: seg.durMs,
      distanceCm: seg.distanceCm,
      calories: seg.calories,
      avgSpeedMm: a.withSpeed ? seg.speedMm : null,
      maxSpeedMm: a.withSpeed ? seg.speedMm : null,
      ...agg,
    };
    const out = lapMesg(values, a.firstLapIndex + i, seg.intensity, isLast, a.spec);
    // Watches write a lap when it ends; the last one after the timer stops.
    if (isLast) lapOuts.push(out);
    else messages.push(out);
    laps.push({
      index: i,
      messageIndex: a.firstLapIndex + i,
      startTime: values.startTime,
      endTime: values.timestamp,
      elapsedS: fromRaw(seg.durMs, TIME_SCALE),
      movingS: fromRaw(seg.durMs, TIME_SCALE),
      distanceM: fromRaw(seg.distanceCm, DIST_SCALE),
      avgHr: agg.avgHr,
      maxHr: agg.maxHr,
      avgSpeedMps: values.avgSpeedMm === null ? null : fromRaw(values.avgSpeedMm, SPEED_SCALE),
      avgCadence: agg.avgCadence,
      maxCadence: agg.maxCadence,
      ascentM: agg.ascentM,
      descentM: agg.descentM,
      calories: seg.calories,
      intensity: fromSdkEnumName(String(seg.intensity)),
    });
  });

  const distanceCm = a.segments.reduce((acc, s) => acc + s.distanceCm, 0);
  const calories = a.segments.reduce((acc, s) => acc + s.calories, 0);
  const speeds = a.segments.map((s) => s.speedMm).filter((v): v is number => v !== null);
  const avgSpeedMm = a.withSpeed ? Math.round((distanceCm * 10 * 1000) / totalMs) : null;
  const maxSpeedMm = a.withSpeed && speeds.length > 0 ? Math.max(...speeds) : null;
  const agg = aggregate(a.samples, null);
  const summary: SummaryValues = {
    timestamp: end,
    startTime: a.start,
    elapsedMs: totalMs,
    distanceCm,
    calories,
    avgSpeedMm,
    maxSpeedMm,
    ...agg,
  };
  messages.push(timerEvent(end, 'stopAll'), ...lapOuts, ...a.sets);
  messages.push(sessionMesg(summary, a.sessionIndex, a.spec, { first: a.firstLapIndex, count: a.segments.length }, a.totalReps));

  const sport = fromSdkEnumName(String(a.spec.sport));
  const subSport = fromSdkEnumName(String(a.spec.subSport));
  const hasSpeed = a.samples.some((s) => s.speedMm !== null);
  const streams: SampleStreams = {
    t: a.samples.map((s) => s.t),
    distanceM: a.samples.map((s) => fromRaw(s.distanceCm, DIST_SCALE)),
    speedMps: a.samples.map((s) => (hasSpeed && s.speedMm !== null ? fromRaw(s.speedMm, SPEED_SCALE) : null)),
    heartRate: a.samples.map((s) => s.hr),
    cadence: a.samples.map((s) => s.cadence),
    altitudeM: a.samples.map((s) => (s.altRaw === null ? null : fromRaw(s.altRaw, ALT_SCALE, ALT_OFFSET))),
    powerW: a.samples.map(() => null),
  };
  const expected: ExpectedSession = {
    kind: a.kind,
    messageIndex: a.sessionIndex,
    sport,
    subSport,
    category: categorize(sport, subSport),
    startTime: a.start,
    endTime: end,
    elapsedS: fromRaw(totalMs, TIME_SCALE),
    movingS: fromRaw(totalMs, TIME_SCALE),
    distanceM: fromRaw(distanceCm, DIST_SCALE),
    ascentM: agg.ascentM,
    descentM: agg.descentM,
    avgHr: agg.avgHr,
    maxHr: agg.maxHr,
    avgSpeedMps: avgSpeedMm === null ? null : fromRaw(avgSpeedMm, SPEED_SCALE),
    maxSpeedMps: maxSpeedMm === null ? null : fromRaw(maxSpeedMm, SPEED_SCALE),
    avgCadence: agg.avgCadence,
    maxCadence: agg.maxCadence,
    calories,
    totalReps: a.totalReps,
    numLaps: a.segments.length,
    firstLapIndex: a.firstLapIndex,
    laps,
    sets: [],
    streams,
    recordCount: a.samples.length,
  };
  return { messages, expected, end, movingMs: totalMs };
}

// ---------------------------------------------------------------------------------------------
// Files

function buildFile(sessions: SynthSession[], opts: SynthFileOptions): { messages: Out[]; expected: ExpectedFile } {
  const first = sessions[0];
  if (first === undefined) throw new RangeError('a FIT activity needs at least one session');
  const serialNumber = opts.serialNumber ?? first.serialNumber ?? DEFAULT_SERIAL_NUMBER;
  if (!Number.isInteger(serialNumber) || serialNumber <= 0 || serialNumber > 0xfffffffe) {
    throw new RangeError(`serialNumber must be an integer 1–4294967294, got ${serialNumber}`);
  }
  const utcOffsetS = opts.utcOffsetS ?? first.utcOffsetS ?? 0;
  if (!Number.isInteger(utcOffsetS) || Math.abs(utcOffsetS) > 14 * 3600) throw new RangeError(`utcOffsetS must be whole seconds within ±14 h, got ${utcOffsetS}`);
  checkStart(first.startTime, 'session 0 startTime');
  const timeCreated = first.startTime;

  const fileId: FileIdMesg = { type: 'activity', manufacturer: 'garmin', product: SYNTH_PRODUCT, serialNumber, timeCreated };
  const fileCreator: FileCreatorMesg = { softwareVersion: Math.round(SOFTWARE_VERSION * 100) };
  const deviceInfo: DeviceInfoMesg = {
    timestamp: timeCreated,
    deviceIndex: 'creator',
    manufacturer: 'garmin',
    serialNumber,
    product: SYNTH_PRODUCT,
    softwareVersion: SOFTWARE_VERSION,
    sourceType: 'local',
  };
  const messages: Out[] = [
    { num: NUM.fileId, mesg: fileId },
    { num: NUM.fileCreator, mesg: fileCreator },
    { num: NUM.deviceInfo, mesg: deviceInfo },
  ];

  const expectedSessions: ExpectedSession[] = [];
  let lapIndex = 0;
  let setIndex = 0;
  let movingMs = 0;
  let prevEnd: Date | null = null;
  sessions.forEach((s, i) => {
    if (prevEnd !== null && s.startTime.getTime() <= prevEnd.getTime()) {
      throw new RangeError(`session ${i} starts at ${s.startTime.toISOString()}, before session ${i - 1} ends (${prevEnd.toISOString()})`);
    }
    const rand = prng(seedOf(s));
    const plan = s.type === 'run' ? planRun(s, i, lapIndex, rand) : planStrength(s, i, lapIndex, setIndex, rand);
    messages.push(...plan.messages);
    expectedSessions.push(plan.expected);
    lapIndex += plan.expected.numLaps;
    setIndex += plan.expected.sets.length;
    movingMs += plan.movingMs;
    prevEnd = plan.end;
  });

  const end = expectedSessions[expectedSessions.length - 1]!.endTime;
  const localTimestamp = fitSeconds(end) + utcOffsetS;
  const activity: ActivityMesg = {
    timestamp: end,
    totalTimerTime: fromRaw(movingMs, TIME_SCALE),
    numSessions: sessions.length,
    type: 'manual',
    event: 'activity',
    eventType: 'stop',
    localTimestamp,
  };
  messages.push({ num: NUM.activity, mesg: activity });

  return {
    messages,
    expected: {
      fileId: { type: 'activity', manufacturer: 'garmin', product: SYNTH_PRODUCT, garminProduct: SYNTH_PRODUCT_NAME, serialNumber, timeCreated },
      activity: { timestamp: end, localTimestamp, totalTimerS: fromRaw(movingMs, TIME_SCALE), numSessions: sessions.length },
      sessions: expectedSessions,
      recordCount: expectedSessions.reduce((acc, s) => acc + s.recordCount, 0),
    },
  };
}
