import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decoder, Profile, Stream } from '@garmin/fitsdk';
import type { FitMessages, LapMesg, RecordMesg, SessionMesg, SetMesg } from '@garmin/fitsdk';
import {
  DEFAULT_SERIAL_NUMBER,
  encodeMulti,
  encodeRun,
  encodeStrength,
  expectedMulti,
  expectedRun,
  expectedStrength,
  expectedSummary,
  fromSdkEnumName,
  toSdkEnumName,
  type ExpectedFile,
  type ExpectedSession,
  type SynthRun,
  type SynthSession,
  type SynthStrength,
} from './fit.ts';

// ---------------------------------------------------------------------------------------------
// Decoding helpers

const MESG_NAMES = new Map(Object.entries(Profile.MesgNum).map(([name, num]) => [num, name]));

interface Decoded {
  integrity: boolean;
  errors: Error[];
  messages: FitMessages;
  /** Message names (Profile.MesgNum keys) in file order. */
  order: string[];
}

function decode(bytes: Uint8Array): Decoded {
  const integrity = new Decoder(Stream.fromByteArray(bytes)).checkIntegrity();
  const order: string[] = [];
  const { messages, errors } = new Decoder(Stream.fromByteArray(bytes)).read({
    mesgListener: (num) => order.push(MESG_NAMES.get(num) ?? String(num)),
  });
  return { integrity, errors, messages, order };
}

/** The SDK types decoded date_time fields as `number | Date | "min"`; with default options they are Dates. */
function asDate(v: unknown): Date {
  if (!(v instanceof Date)) throw new Error(`expected a Date, got ${String(v)}`);
  return v;
}

const inWindow = (t: unknown, from: Date, to: Date): boolean => {
  const ms = asDate(t).getTime();
  return ms >= from.getTime() && ms <= to.getTime();
};

/** message_index is typed `number | "selected" | …`; decoded values are numbers. */
function idx(v: unknown): number {
  if (typeof v !== 'number') throw new Error(`expected a message index, got ${typeof v}`);
  return v;
}

/** Enum values decode as the SDK's camelCase strings (or a number when not in the profile). */
function enumName(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`unexpected enum value of type ${typeof v}`);
  return fromSdkEnumName(String(v));
}
const orNull = <T>(v: T | undefined | null): T | null => (v === undefined ? null : v);

/** Checks every decoded message against the expected summary, exactly. */
function assertMatches(bytes: Uint8Array, expected: ExpectedFile): Decoded {
  const d = decode(bytes);
  expect(d.integrity).toBe(true);
  expect(d.errors).toEqual([]);
  const m = d.messages;

  const fileId = m.fileIdMesgs?.[0];
  expect(m.fileIdMesgs).toHaveLength(1);
  expect(fileId).toEqual(expected.fileId);

  expect(m.activityMesgs).toHaveLength(1);
  const activity = m.activityMesgs![0]!;
  expect(asDate(activity.timestamp)).toEqual(expected.activity.timestamp);
  expect(activity.localTimestamp).toBe(expected.activity.localTimestamp);
  expect(activity.totalTimerTime).toBe(expected.activity.totalTimerS);
  expect(activity.numSessions).toBe(expected.activity.numSessions);

  const sessions = m.sessionMesgs ?? [];
  expect(sessions).toHaveLength(expected.sessions.length);
  expect(m.recordMesgs ?? []).toHaveLength(expected.recordCount);
  expect(m.lapMesgs ?? []).toHaveLength(expected.sessions.reduce((a, s) => a + s.numLaps, 0));
  expect(m.setMesgs ?? []).toHaveLength(expected.sessions.reduce((a, s) => a + s.sets.length, 0));

  for (const exp of expected.sessions) {
    const s = sessions.find((x) => x.messageIndex === exp.messageIndex);
    if (s === undefined) throw new Error(`session ${exp.messageIndex} missing`);
    assertSession(s, exp, m);
  }
  return d;
}

function assertSession(s: SessionMesg, exp: ExpectedSession, m: FitMessages): void {
  expect({
    sport: enumName(s.sport),
    subSport: enumName(s.subSport),
    startTime: asDate(s.startTime),
    endTime: asDate(s.timestamp),
    elapsedS: s.totalElapsedTime,
    movingS: s.totalTimerTime,
    distanceM: s.totalDistance,
    ascentM: orNull(s.totalAscent),
    descentM: orNull(s.totalDescent),
    avgHr: orNull(s.avgHeartRate),
    maxHr: orNull(s.maxHeartRate),
    avgSpeedMps: orNull(s.enhancedAvgSpeed),
    maxSpeedMps: orNull(s.enhancedMaxSpeed),
    avgCadence: orNull(s.avgCadence),
    maxCadence: orNull(s.maxCadence),
    calories: s.totalCalories,
    totalReps: orNull(s.totalReps),
    numLaps: s.numLaps,
    firstLapIndex: s.firstLapIndex,
  }).toEqual({
    sport: exp.sport,
    subSport: exp.subSport,
    startTime: exp.startTime,
    endTime: exp.endTime,
    elapsedS: exp.elapsedS,
    movingS: exp.movingS,
    distanceM: exp.distanceM,
    ascentM: exp.ascentM,
    descentM: exp.descentM,
    avgHr: exp.avgHr,
    maxHr: exp.maxHr,
    avgSpeedMps: exp.avgSpeedMps,
    maxSpeedMps: exp.maxSpeedMps,
    avgCadence: exp.avgCadence,
    maxCadence: exp.maxCadence,
    calories: exp.calories,
    totalReps: exp.totalReps,
    numLaps: exp.numLaps,
    firstLapIndex: exp.firstLapIndex,
  });
  // uint16 `avg_speed` is written alongside enhanced_avg_speed whenever it fits.
  if (exp.avgSpeedMps !== null && exp.avgSpeedMps < 65.535) expect(s.avgSpeed).toBe(exp.avgSpeedMps);

  const laps = (m.lapMesgs ?? [])
    .filter((l) => idx(l.messageIndex) >= exp.firstLapIndex && idx(l.messageIndex) < exp.firstLapIndex + exp.numLaps)
    .sort((a, b) => idx(a.messageIndex) - idx(b.messageIndex));
  expect(laps.map((l, index) => decodedLap(l, index))).toEqual(exp.laps);

  const sets = (m.setMesgs ?? [])
    .filter((st) => inWindow(st.startTime, exp.startTime, exp.endTime))
    .sort((a, b) => asDate(a.startTime).getTime() - asDate(b.startTime).getTime() || idx(a.messageIndex) - idx(b.messageIndex));
  expect(sets.map((st, index) => decodedSet(st, index))).toEqual(exp.sets);
  // Like a FR965: every set is stamped with the session start.
  for (const st of sets) expect(asDate(st.timestamp)).toEqual(exp.startTime);

  const records = (m.recordMesgs ?? []).filter((r) => inWindow(r.timestamp, exp.startTime, exp.endTime));
  expect(records).toHaveLength(exp.recordCount);
  expect(decodedStreams(records, exp.startTime)).toEqual(exp.streams);
  for (const r of records) {
    if (r.enhancedSpeed !== undefined && r.enhancedSpeed < 65.535) expect(r.speed).toBe(r.enhancedSpeed);
    else expect(r.speed).toBeUndefined();
    if (r.enhancedAltitude !== undefined) expect(r.altitude).toBe(r.enhancedAltitude);
  }
}

function decodedLap(l: LapMesg, index: number): ExpectedSession['laps'][number] {
  return {
    index,
    messageIndex: idx(l.messageIndex),
    startTime: asDate(l.startTime),
    endTime: asDate(l.timestamp),
    elapsedS: l.totalElapsedTime ?? NaN,
    movingS: l.totalTimerTime ?? NaN,
    distanceM: l.totalDistance ?? NaN,
    avgHr: orNull(l.avgHeartRate),
    maxHr: orNull(l.maxHeartRate),
    avgSpeedMps: orNull(l.enhancedAvgSpeed),
    avgCadence: orNull(l.avgCadence),
    maxCadence: orNull(l.maxCadence),
    ascentM: orNull(l.totalAscent),
    descentM: orNull(l.totalDescent),
    calories: l.totalCalories ?? NaN,
    intensity: enumName(l.intensity) ?? 'missing',
  };
}

function decodedSet(st: SetMesg, index: number): ExpectedSession['sets'][number] {
  const category = st.category?.[0];
  return {
    index,
    messageIndex: idx(st.messageIndex),
    setType: st.setType === 'rest' ? 'rest' : 'active',
    startTime: asDate(st.startTime),
    durationS: orNull(st.duration),
    category: enumName(category),
    exerciseName: null,
    reps: orNull(st.repetitions),
    weightKg: orNull(st.weight),
  };
}

function decodedStreams(records: RecordMesg[], start: Date): ExpectedSession['streams'] {
  return {
    t: records.map((r) => (asDate(r.timestamp).getTime() - start.getTime()) / 1000),
    distanceM: records.map((r) => orNull(r.distance)),
    speedMps: records.map((r) => orNull(r.enhancedSpeed ?? r.speed)),
    heartRate: records.map((r) => orNull(r.heartRate)),
    cadence: records.map((r) => orNull(r.cadence)),
    altitudeM: records.map((r) => orNull(r.enhancedAltitude ?? r.altitude)),
    powerW: records.map((r) => orNull(r.power)),
  };
}

/**
 * Checks that do not trust `expected*`: the summaries agree with the decoded records and the input,
 * the way a watch's would.
 */
function assertConsistentWithRecords(d: Decoded, input: SynthRun): void {
  const session = d.messages.sessionMesgs![0]!;
  const laps = [...(d.messages.lapMesgs ?? [])].sort((a, b) => idx(a.messageIndex) - idx(b.messageIndex));
  const records = d.messages.recordMesgs ?? [];
  expect(laps).toHaveLength(input.laps.length);

  // Distances: each lap within FIT's centimetre of the input, laps sum to the session, records end there.
  const cm = (m: number | undefined): number => Math.round((m ?? NaN) * 100);
  laps.forEach((l, i) => expect(Math.abs((l.totalDistance ?? NaN) - input.laps[i]!.distanceM)).toBeLessThanOrEqual(0.005 + 1e-9));
  expect(laps.reduce((a, l) => a + cm(l.totalDistance), 0)).toBe(cm(session.totalDistance));
  expect(cm(records[records.length - 1]!.distance)).toBe(cm(session.totalDistance));
  // Durations: to the millisecond.
  laps.forEach((l, i) => expect(Math.abs((l.totalElapsedTime ?? NaN) - input.laps[i]!.durationS)).toBeLessThanOrEqual(0.0005 + 1e-9));
  const ms = (s: number | undefined): number => Math.round((s ?? NaN) * 1000);
  expect(laps.reduce((a, l) => a + ms(l.totalElapsedTime), 0)).toBe(ms(session.totalElapsedTime));

  // Records: 1 Hz (or at most `recordIntervalS` apart), monotonic distance, constant speed within a lap.
  for (let k = 1; k < records.length; k++) {
    const gapMs = asDate(records[k]!.timestamp).getTime() - asDate(records[k - 1]!.timestamp).getTime();
    expect(gapMs).toBeGreaterThanOrEqual(1000);
    expect(gapMs).toBeLessThanOrEqual((input.recordIntervalS ?? 1) * 1000);
    expect(records[k]!.distance!).toBeGreaterThanOrEqual(records[k - 1]!.distance!);
  }

  // HR: each lap's avg/max are those of its records (records after the previous lap's timestamp).
  const withHr = input.withHr ?? true;
  let prevEnd = -Infinity;
  for (const l of laps) {
    const end = asDate(l.timestamp).getTime();
    const lapRecords = records.filter((r) => asDate(r.timestamp).getTime() > prevEnd && asDate(r.timestamp).getTime() <= end);
    prevEnd = end;
    expect(lapRecords.length).toBeGreaterThan(0);
    const hrs = lapRecords.map((r) => r.heartRate).filter((h): h is number => h !== undefined);
    if (!withHr) {
      expect(hrs).toEqual([]);
      expect(l.avgHeartRate).toBeUndefined();
      continue;
    }
    expect(hrs).toHaveLength(lapRecords.length);
    expect(l.avgHeartRate).toBe(Math.round(hrs.reduce((a, b) => a + b, 0) / hrs.length));
    expect(l.maxHeartRate).toBe(Math.max(...hrs));
    const speeds = new Set(lapRecords.map((r) => r.enhancedSpeed));
    expect([...speeds]).toEqual([l.enhancedAvgSpeed]);
  }
  const allHr = records.map((r) => r.heartRate).filter((h): h is number => h !== undefined);
  if (withHr) {
    expect(session.avgHeartRate).toBe(Math.round(allHr.reduce((a, b) => a + b, 0) / allHr.length));
    expect(session.maxHeartRate).toBe(Math.max(...allHr));
  } else {
    expect(session.avgHeartRate).toBeUndefined();
    expect(session.maxHeartRate).toBeUndefined();
  }

  // Ascent: positive altitude deltas (in FIT's 1/5 m steps), rounded to whole metres.
  const alts = records.map((r) => r.enhancedAltitude).filter((a): a is number => a !== undefined);
  if (alts.length > 0) {
    let up = 0;
    for (let k = 1; k < alts.length; k++) up += Math.max(0, Math.round((alts[k]! - alts[k - 1]!) * 5));
    expect(session.totalAscent).toBe(Math.round(up / 5));
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const RUN: SynthRun = {
  startTime: new Date('2024-03-02T06:30:00Z'),
  laps: [
    { durationS: 600, distanceM: 1800, avgHr: 132, intensity: 'warmup' },
    { durationS: 1500.25, distanceM: 5000.126, avgHr: 162 },
    { durationS: 90, distanceM: 150, avgHr: 140, intensity: 'rest' },
    { durationS: 420, distanceM: 1234.567, avgHr: 118, intensity: 'cooldown' },
  ],
};

const STRENGTH: SynthStrength = {
  startTime: new Date('2024-03-02T17:00:00Z'),
  avgHr: 102,
  sets: [
    { category: 'squat', reps: 8, weightKg: 60.3, durationS: 35.5, restS: 90 },
    { category: 'deadlift', reps: 5, weightKg: 102.53, durationS: 30, restS: 120 },
    { category: 'bench_press', reps: 10, weightKg: null, durationS: 40, restS: 60 },
    { category: 'plank', reps: null, weightKg: null, durationS: 60, restS: 45 },
    { category: 'unknown', reps: 12, weightKg: 0, durationS: 41.25, restS: 0 },
  ],
};

// ---------------------------------------------------------------------------------------------

describe('encodeRun', () => {
  it('writes a valid activity file that decodes to exactly the expected summary', () => {
    const bytes = encodeRun(RUN);
    const expected = expectedRun(RUN);
    const d = assertMatches(bytes, expected);
    assertConsistentWithRecords(d, RUN);

    const s = expected.sessions[0]!;
    expect(s).toMatchObject({ sport: 'running', subSport: 'generic', category: 'run', numLaps: 4, distanceM: 8184.7, elapsedS: 2610.25 });
    expect(s.laps.map((l) => l.distanceM)).toEqual([1800, 5000.13, 150, 1234.57]);
    expect(s.laps.map((l) => l.intensity)).toEqual(['warmup', 'active', 'rest', 'cooldown']);
    expect(s.recordCount).toBe(2612); // 0 … 2611 s: the last record is the first whole second at or after the end
    expect(s.ascentM).toBeGreaterThan(0);
    expect(expected.fileId).toEqual({
      type: 'activity',
      manufacturer: 'garmin',
      product: 4315,
      garminProduct: 'fr965',
      serialNumber: DEFAULT_SERIAL_NUMBER,
      timeCreated: RUN.startTime,
    });
  });

  it('writes the messages in a watch-like order', () => {
    const { order } = decode(encodeRun(RUN));
    expect(order.slice(0, 5)).toEqual(['FILE_ID', 'FILE_CREATOR', 'DEVICE_INFO', 'EVENT', 'RECORD']);
    expect(order.slice(-4)).toEqual(['EVENT', 'LAP', 'SESSION', 'ACTIVITY']);
    // Laps are written as they end, between records.
    const firstLap = order.indexOf('LAP');
    expect(order[firstLap - 1]).toBe('RECORD');
    expect(order[firstLap + 1]).toBe('RECORD');
    expect(order.filter((n) => n === 'LAP')).toHaveLength(4);
  });

  it('records look like a watch: 1 Hz HR, cumulative distance, speed, stride cadence, altitude', () => {
    const records = decode(encodeRun(RUN)).messages.recordMesgs!;
    const r = records[700]!;
    expect(Object.keys(r).sort()).toEqual(
      ['altitude', 'cadence', 'distance', 'enhancedAltitude', 'enhancedSpeed', 'heartRate', 'speed', 'timestamp'].sort(),
    );
    for (const rec of records) {
      expect(rec.cadence).toBeGreaterThanOrEqual(80);
      expect(rec.cadence).toBeLessThanOrEqual(95);
    }
    const alts = records.map((x) => x.enhancedAltitude!);
    // Gentle terrain: no step over 1 m between consecutive seconds.
    for (let k = 1; k < alts.length; k++) expect(Math.abs(alts[k]! - alts[k - 1]!)).toBeLessThan(1);
    // HR ramps smoothly: no jump over 4 bpm between seconds.
    const hrs = records.map((x) => x.heartRate!);
    for (let k = 1; k < hrs.length; k++) expect(Math.abs(hrs[k]! - hrs[k - 1]!)).toBeLessThanOrEqual(4);
  });

  it('withHr: false leaves heart rate out of records, laps and session', () => {
    const run: SynthRun = { ...RUN, withHr: false };
    const d = assertMatches(encodeRun(run), expectedRun(run));
    assertConsistentWithRecords(d, run);
    expect(d.messages.recordMesgs!.some((r) => r.heartRate !== undefined)).toBe(false);
    expect(expectedRun(run).sessions[0]!.avgHr).toBeNull();
  });

  it('supports cycling and swimming sessions', () => {
    const ride: SynthRun = { startTime: RUN.startTime, sport: 'cycling', laps: [{ durationS: 1200, distanceM: 10000, avgHr: 140 }] };
    const swim: SynthRun = { startTime: RUN.startTime, sport: 'swimming', laps: [{ durationS: 900, distanceM: 1000, avgHr: 130 }] };
    assertMatches(encodeRun(ride), expectedRun(ride));
    assertMatches(encodeRun(swim), expectedRun(swim));
    expect(expectedRun(ride).sessions[0]).toMatchObject({ sport: 'cycling', subSport: 'road', category: 'other' });
    expect(expectedRun(swim).sessions[0]).toMatchObject({ sport: 'swimming', subSport: 'open_water', ascentM: null });
  });

  it('writes only enhanced_speed when speed does not fit FIT uint16 `speed`', () => {
    const fast: SynthRun = { startTime: RUN.startTime, laps: [{ durationS: 60, distanceM: 10000, avgHr: 150 }] };
    const d = assertMatches(encodeRun(fast), expectedRun(fast));
    expect(d.messages.recordMesgs![0]!.enhancedSpeed).toBe(166.667);
    expect(d.messages.recordMesgs![0]!.speed).toBeUndefined();
    expect(d.messages.sessionMesgs![0]!.avgSpeed).toBeUndefined();
  });

  it('uses the serial number and UTC offset it is given', () => {
    const run: SynthRun = { ...RUN, serialNumber: 3_911_222_333, utcOffsetS: 3600 };
    const expected = expectedRun(run);
    assertMatches(encodeRun(run), expected);
    expect(expected.fileId.serialNumber).toBe(3_911_222_333);
    const fitEnd = (expected.activity.timestamp.getTime() - Date.UTC(1989, 11, 31)) / 1000;
    expect(expected.activity.localTimestamp).toBe(fitEnd + 3600);
  });
});

describe('encodeStrength', () => {
  it('writes active and rest sets with quantised weights, decoding exactly', () => {
    const expected = expectedStrength(STRENGTH);
    const d = assertMatches(encodeStrength(STRENGTH), expected);
    const s = expected.sessions[0]!;
    expect(s).toMatchObject({ sport: 'training', subSport: 'strength_training', category: 'strength', distanceM: 0, ascentM: null, totalReps: 35 });
    expect(s.sets.map((x) => [x.setType, x.category, x.reps, x.weightKg, x.durationS])).toEqual([
      ['active', 'squat', 8, 60.3125, 35.5], // 60.3 kg → 965/16
      ['rest', null, null, null, 90],
      ['active', 'deadlift', 5, 102.5, 30], // 102.53 kg → 1640/16
      ['rest', null, null, null, 120],
      ['active', 'bench_press', 10, null, 40],
      ['rest', null, null, null, 60],
      ['active', 'plank', null, null, 60],
      ['rest', null, null, null, 45],
      ['active', 'unknown', 12, 0, 41.25],
    ]);
    expect(s.sets.map((x) => x.startTime?.toISOString().slice(11, 19))).toEqual([
      '17:00:00', '17:00:35', '17:02:05', '17:02:35', '17:04:35', '17:05:15', '17:06:15', '17:07:15', '17:08:00',
    ]);
    // Category is an array field; the SDK spells enum values in camelCase.
    expect(d.messages.setMesgs!.find((x) => x.messageIndex === 4)!.category).toEqual(['benchPress']);
    expect(d.messages.sessionMesgs![0]!.subSport).toBe('strengthTraining');
    // One lap per set (active and rest), as Garmin strength activities have.
    expect(s.laps.map((l) => l.intensity)).toEqual(['active', 'rest', 'active', 'rest', 'active', 'rest', 'active', 'rest', 'active']);
    // Indoor: no altitude, speed or cadence; distance 0 like a FR965.
    expect(Object.keys(d.messages.recordMesgs![10]!).sort()).toEqual(['distance', 'heartRate', 'timestamp']);
    expect(s.avgHr).toBeGreaterThan(85);
    expect(s.avgHr).toBeLessThan(120);
  });

  it('without avgHr the file has no heart rate', () => {
    const noHr: SynthStrength = { ...STRENGTH, avgHr: undefined };
    const d = assertMatches(encodeStrength(noHr), expectedStrength(noHr));
    expect(d.messages.recordMesgs!.every((r) => r.heartRate === undefined)).toBe(true);
    expect(d.messages.sessionMesgs![0]!.avgHeartRate).toBeUndefined();
  });
});

describe('encodeMulti', () => {
  const strengthA: SynthSession = { type: 'strength', ...STRENGTH, startTime: new Date('2024-03-03T07:00:00Z') };
  const run: SynthSession = { type: 'run', ...RUN, startTime: new Date('2024-03-03T07:15:00Z') };
  const strengthB: SynthSession = {
    type: 'strength',
    startTime: new Date('2024-03-03T08:05:00Z'),
    avgHr: 95,
    sets: [
      { category: 'lunge', reps: 10, weightKg: 12, durationS: 45, restS: 60 },
      { category: 'core', reps: 20, weightKg: null, durationS: 50, restS: 0 },
    ],
  };
  const sessions = [strengthA, run, strengthB];

  it('decodes into three sessions with the right sports, laps and sets', () => {
    const expected = expectedMulti(sessions, { serialNumber: 3_900_000_777 });
    const d = assertMatches(encodeMulti(sessions, { serialNumber: 3_900_000_777 }), expected);
    const decoded = d.messages.sessionMesgs!;
    expect(decoded.map((s) => [s.sport, s.subSport])).toEqual([
      ['training', 'strengthTraining'],
      ['running', 'generic'],
      ['training', 'strengthTraining'],
    ]);
    expect(decoded.map((s) => [s.firstLapIndex, s.numLaps])).toEqual([
      [0, 9],
      [9, 4],
      [13, 3],
    ]);
    expect(expected.fileId.timeCreated).toEqual(strengthA.startTime);
    expect(expected.fileId.serialNumber).toBe(3_900_000_777);
    expect(d.messages.activityMesgs![0]!.numSessions).toBe(3);
    expect(expected.sessions[2]!.sets.map((x) => x.messageIndex)).toEqual([9, 10, 11]);
    // Each session has its own timer start and stop.
    expect(d.messages.eventMesgs!.map((e) => e.eventType)).toEqual(['start', 'stopAll', 'start', 'stopAll', 'start', 'stopAll']);
  });

  it('a session inside a multi file generates the same samples as on its own', () => {
    const alone = expectedRun(run).sessions[0]!;
    const inside = expectedMulti(sessions).sessions[1]!;
    expect(inside.streams).toEqual(alone.streams);
    expect(inside.laps.map((l) => ({ ...l, messageIndex: 0 }))).toEqual(alone.laps.map((l) => ({ ...l, messageIndex: 0 })));
  });

  it('expectedSummary accepts one session or several', () => {
    expect(expectedSummary({ type: 'run', ...RUN })).toEqual(expectedRun(RUN));
    expect(expectedSummary(sessions)).toEqual(expectedMulti(sessions));
    expect(encodeMulti([{ type: 'run', ...RUN }])).toEqual(encodeRun(RUN));
  });

  it('rejects overlapping sessions', () => {
    const overlapping: SynthSession = { ...run, startTime: new Date('2024-03-03T07:05:00Z') };
    expect(() => encodeMulti([strengthA, overlapping])).toThrow(RangeError);
  });
});

describe('determinism and validation', () => {
  it('same input → byte-identical output; a different input → different bytes', () => {
    expect(encodeRun(RUN)).toEqual(encodeRun({ ...RUN, laps: RUN.laps.map((l) => ({ ...l })) }));
    expect(encodeStrength(STRENGTH)).toEqual(encodeStrength(STRENGTH));
    expect(encodeRun(RUN)).not.toEqual(encodeRun({ ...RUN, serialNumber: 1 }));
    const other = { ...RUN, laps: [...RUN.laps.slice(0, 3), { ...RUN.laps[3]!, avgHr: 119 }] };
    expect(encodeRun(RUN)).not.toEqual(encodeRun(other));
  });

  it('rejects what FIT cannot store or a watch would not write', () => {
    expect(() => encodeRun({ ...RUN, startTime: new Date('2024-03-02T06:30:00.500Z') })).toThrow(/whole seconds/);
    expect(() => encodeRun({ ...RUN, laps: [] })).toThrow(RangeError);
    expect(() => encodeRun({ ...RUN, laps: [{ durationS: 0.5, distanceM: 1, avgHr: 120 }] })).toThrow(RangeError);
    expect(() => encodeRun({ ...RUN, laps: [{ durationS: 60, distanceM: 100, avgHr: 255 }] })).toThrow(RangeError);
    expect(() => encodeStrength({ ...STRENGTH, sets: [{ category: 'squats', reps: 5, weightKg: 20, durationS: 30, restS: 0 }] })).toThrow(
      /exercise_category/,
    );
    expect(() => encodeStrength({ ...STRENGTH, sets: [{ category: 'squat', reps: 5, weightKg: 5000, durationS: 30, restS: 0 }] })).toThrow(
      RangeError,
    );
    expect(() => encodeStrength({ ...STRENGTH, sets: [{ category: 'squat', reps: 2.5, weightKg: 20, durationS: 30, restS: 0 }] })).toThrow(
      RangeError,
    );
  });

  it('converts enum names between FIT snake_case and the SDK camelCase', () => {
    expect(toSdkEnumName('strength_training')).toBe('strengthTraining');
    expect(toSdkEnumName('bench_press')).toBe('benchPress');
    expect(toSdkEnumName('squat')).toBe('squat');
    expect(fromSdkEnumName('openWater')).toBe('open_water');
    expect(fromSdkEnumName('fr965')).toBe('fr965');
  });
});

describe('property: random runs round-trip exactly', () => {
  const lapArb = fc.record({
    // 60–3600 s, to the millisecond (FIT stores lap times in ms).
    durationS: fc.integer({ min: 60_000, max: 3_600_000 }).map((ms) => ms / 1000),
    distanceM: fc.double({ min: 100, max: 10_000, noNaN: true }),
    avgHr: fc.integer({ min: 90, max: 190 }),
    intensity: fc.constantFrom(undefined, 'active' as const, 'rest' as const, 'warmup' as const, 'cooldown' as const),
  });
  const runArb = fc.record({
    startTime: fc.integer({ min: 1_500_000_000, max: 1_900_000_000 }).map((s) => new Date(s * 1000)),
    laps: fc.array(lapArb, { minLength: 1, maxLength: 12 }),
    withHr: fc.boolean(),
    sport: fc.constantFrom('running' as const, 'cycling' as const, 'swimming' as const),
    serialNumber: fc.integer({ min: 1, max: 0xfffffffe }),
  });

  it(
    'laps, session and records equal the expected summary; the summary agrees with the records',
    () => {
      fc.assert(
        fc.property(runArb, (run) => {
          const d = assertMatches(encodeRun(run), expectedRun(run));
          assertConsistentWithRecords(d, run);
        }),
        { numRuns: 10 },
      );
    },
    240_000,
  );

  it(
    'random strength sessions round-trip exactly',
    () => {
      const categories = Object.values(Profile.types['exerciseCategory'] ?? {}).map(fromSdkEnumName);
      const setArb = fc.record({
        category: fc.constantFrom(...categories),
        reps: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
        weightKg: fc.option(fc.double({ min: 0, max: 300, noNaN: true }), { nil: null }),
        durationS: fc.integer({ min: 1000, max: 300_000 }).map((ms) => ms / 1000),
        restS: fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: 300_000 }).map((ms) => ms / 1000)),
      });
      const strengthArb = fc.record({
        startTime: fc.integer({ min: 1_500_000_000, max: 1_900_000_000 }).map((s) => new Date(s * 1000)),
        sets: fc.array(setArb, { minLength: 1, maxLength: 30 }),
        avgHr: fc.option(fc.integer({ min: 60, max: 170 }), { nil: undefined }),
      });
      fc.assert(
        fc.property(strengthArb, (s) => {
          const expected = expectedStrength(s);
          assertMatches(encodeStrength(s), expected);
          const sets = expected.sessions[0]!.sets;
          expect(sets.filter((x) => x.setType === 'active')).toHaveLength(s.sets.length);
          sets.filter((x) => x.setType === 'active').forEach((x, i) => {
            const w = s.sets[i]!.weightKg;
            expect(x.weightKg).toBe(w === null ? null : Math.round(w * 16) / 16);
          });
        }),
        { numRuns: 25 },
      );
    },
    120_000,
  );
});

describe('smart recording (recordIntervalS)', () => {
  it('records every k seconds, at every lap start and at the end, and still decodes exactly', () => {
    const run: SynthRun = { ...RUN, recordIntervalS: 4 };
    const expected = expectedRun(run);
    const d = assertMatches(encodeRun(run), expected);
    assertConsistentWithRecords(d, run);
    const s = expected.sessions[0]!;
    const t = s.streams.t;
    expect(t[0]).toBe(0);
    expect(t.at(-1)).toBe(expectedRun(RUN).sessions[0]!.streams.t.at(-1));
    let offMs = 0;
    for (const lap of RUN.laps) {
      expect(t).toContain(Math.ceil(offMs / 1000));
      offMs += Math.round(lap.durationS * 1000);
    }
    expect(s.recordCount).toBeLessThan(expectedRun(RUN).sessions[0]!.recordCount / 3);
    // Same laps and totals as at 1 Hz: only the records thin out.
    expect(s.laps.map((l) => l.distanceM)).toEqual(expectedRun(RUN).sessions[0]!.laps.map((l) => l.distanceM));
    expect(s.distanceM).toBe(expectedRun(RUN).sessions[0]!.distanceM);
  });

  it('works for strength sessions and rejects intervals outside 1–10 s', () => {
    const strength: SynthStrength = { ...STRENGTH, recordIntervalS: 5 };
    assertMatches(encodeStrength(strength), expectedStrength(strength));
    expect(() => encodeRun({ ...RUN, recordIntervalS: 0 })).toThrow(/recordIntervalS/);
    expect(() => encodeRun({ ...RUN, recordIntervalS: 2.5 })).toThrow(/recordIntervalS/);
    expect(() => encodeRun({ ...RUN, recordIntervalS: 11 })).toThrow(/recordIntervalS/);
  });

  it(
    'random runs at random intervals round-trip exactly',
    () => {
      const lapArb = fc.record({
        durationS: fc.integer({ min: 1_000, max: 1_800_000 }).map((ms) => ms / 1000),
        distanceM: fc.double({ min: 10, max: 5_000, noNaN: true }),
        avgHr: fc.integer({ min: 90, max: 190 }),
      });
      const runArb = fc.record({
        startTime: fc.integer({ min: 1_500_000_000, max: 1_900_000_000 }).map((s) => new Date(s * 1000)),
        laps: fc.array(lapArb, { minLength: 1, maxLength: 12 }),
        recordIntervalS: fc.integer({ min: 1, max: 10 }),
      });
      fc.assert(
        fc.property(runArb, (run) => {
          const d = assertMatches(encodeRun(run), expectedRun(run));
          assertConsistentWithRecords(d, run);
        }),
        { numRuns: 15 },
      );
    },
    240_000,
  );
});
