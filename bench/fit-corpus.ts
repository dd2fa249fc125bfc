/**
 * The FIT ingest benchmark's corpus: activity files shaped like what watches and bike computers
 * write, generated on the fly (nothing to download), none of them used by a test.
 *
 * - Real recordings: each valid fixture of test/fixtures/fit, twice, with another serial number in
 *   its file_id (patched in place, file CRC recomputed): every byte of the real shape is kept — the
 *   multisport fenix2, compressed timestamps, FR965 strength sets — but each copy is a new upload
 *   and new activities, not a duplicate.
 * - Generated with the SDK's Encoder, the way a Garmin writes them:
 *   - runs at 1 Hz with GPS, altitude, HR, cadence, running power on some, auto laps every km;
 *   - the same runs with smart recording (a record every 1–8 s, when something changed);
 *   - long road rides, 4–5 h at 1 Hz, with power (coasting at 0 W downhill), GPS, temperature, 10 km laps;
 *   - pool swims (25 m and 50 m): lengths (active with stroke, strokes and cadence; idle for rests),
 *     one lap per interval and per rest, a record at every length end;
 *   - duathlons: run / transition / bike / transition / run, five sessions in one file;
 *   - strength sessions with 20–36 sets and rests (src/synth/fit.ts, as the demo writes them).
 *
 * Deterministic: the same corpus every time (seeded PRNG, fixed dates).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Encoder, Profile } from '@garmin/fitsdk';
import type { ActivityMesg, DeviceInfoMesg, EventMesg, FileIdMesg, LapMesg, LengthMesg, Mesg, RecordMesg, SessionMesg } from '@garmin/fitsdk';
import { encodeStrength, prng, type SynthSet } from '../src/synth/fit.ts';

export interface CorpusFile {
  name: string;
  /** What it is, for the table: `run 1 Hz`, `ride with power`, `pool swim`, … */
  shape: string;
  bytes: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Real recordings with a new identity

/** FIT's CRC-16 (the SDK's and every decoder's): nibble table. */
const CRC_TABLE = [0x0000, 0xcc01, 0xd801, 0x1400, 0xf001, 0x3c00, 0x2800, 0xe401, 0xa001, 0x6c00, 0x7800, 0xb401, 0x5000, 0x9c01, 0x8801, 0x4400];
function fitCrc(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    let tmp = CRC_TABLE[crc & 0xf]!;
    crc = (crc >> 4) & 0x0fff;
    crc = crc ^ tmp ^ CRC_TABLE[b & 0xf]!;
    tmp = CRC_TABLE[crc & 0xf]!;
    crc = (crc >> 4) & 0x0fff;
    crc = crc ^ tmp ^ CRC_TABLE[(b >> 4) & 0xf]!;
  }
  return crc;
}

/**
 * The file with its file_id serial_number (field 3) set to `serial` and its file CRC recomputed. Walks
 * the records up to the first file_id data message; throws when the file has none with a serial.
 */
export function withSerialNumber(original: Uint8Array, serial: number): Uint8Array {
  const bytes = new Uint8Array(original);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = bytes[0]!;
  const end = headerSize + view.getUint32(4, true);
  const defs = new Map<number, { global: number; little: boolean; fields: { num: number; size: number }[]; devSize: number }>();
  let pos = headerSize;
  while (pos < end) {
    const header = bytes[pos++]!;
    if ((header & 0x80) !== 0) {
      // Compressed-timestamp header: a data message of local type (bits 5–6).
      const def = defs.get((header >> 5) & 0x3);
      if (def === undefined) throw new Error('data message before its definition');
      pos += def.fields.reduce((n, f) => n + f.size, 0) + def.devSize;
      continue;
    }
    const local = header & 0x0f;
    if ((header & 0x40) !== 0) {
      const little = bytes[pos + 1] === 0;
      const global = little ? view.getUint16(pos + 2, true) : view.getUint16(pos + 2, false);
      const count = bytes[pos + 4]!;
      pos += 5;
      const fields: { num: number; size: number }[] = [];
      for (let i = 0; i < count; i++, pos += 3) fields.push({ num: bytes[pos]!, size: bytes[pos + 1]! });
      let devSize = 0;
      if ((header & 0x20) !== 0) {
        const devCount = bytes[pos++]!;
        for (let i = 0; i < devCount; i++, pos += 3) devSize += bytes[pos + 1]!;
      }
      defs.set(local, { global, little, fields, devSize });
      continue;
    }
    const def = defs.get(local);
    if (def === undefined) throw new Error('data message before its definition');
    if (def.global === 0) {
      let offset = pos;
      for (const f of def.fields) {
        if (f.num === 3 && f.size === 4) {
          view.setUint32(offset, serial, def.little);
          const crcAt = bytes.length - 2;
          view.setUint16(crcAt, fitCrc(bytes, 0, crcAt), true);
          return bytes;
        }
        offset += f.size;
      }
    }
    pos += def.fields.reduce((n, f) => n + f.size, 0) + def.devSize;
  }
  throw new Error('no file_id serial_number');
}

// ---------------------------------------------------------------------------------------------
// Writing messages: one builder per message type with a fixed key order (the SDK encoder writes a
// message's values in its key order but reuses a definition for the same set of fields).

const MESG = Profile.MesgNum;
const SEMI = 2 ** 31 / 180;

interface Rec {
  t: number;
  lat: number | null;
  lon: number | null;
  distance: number | null;
  speed: number | null;
  altitude: number | null;
  hr: number | null;
  cadence: number | null;
  power: number | null;
  temperature: number | null;
}

class FitWriter {
  private readonly encoder = new Encoder();
  private readonly start: number;
  lapIndex = 0;
  lengthIndex = 0;
  sessionIndex = 0;

  constructor(start: Date, serial: number, product: number) {
    this.start = start.getTime();
    const fileId: FileIdMesg = { type: 'activity', manufacturer: 'garmin', product, serialNumber: serial, timeCreated: start };
    this.write('FILE_ID', fileId);
    const device: DeviceInfoMesg = { timestamp: start, deviceIndex: 'creator', manufacturer: 'garmin', serialNumber: serial, product, softwareVersion: 19.2, sourceType: 'local' };
    this.write('DEVICE_INFO', device);
  }

  at(t: number): Date {
    return new Date(this.start + Math.round(t) * 1000);
  }

  private write(name: string, mesg: Mesg): void {
    const num = MESG[name];
    if (num === undefined) throw new Error(`no FIT message ${name}`);
    this.encoder.onMesg(num, mesg);
  }

  timer(t: number, eventType: 'start' | 'stopAll'): void {
    const mesg: EventMesg = { timestamp: this.at(t), event: 'timer', eventType, data: 0, eventGroup: 0 };
    this.write('EVENT', mesg);
  }

  record(r: Rec): void {
    const mesg: RecordMesg = {
      timestamp: this.at(r.t),
      positionLat: r.lat === null ? undefined : Math.round(r.lat * SEMI),
      positionLong: r.lon === null ? undefined : Math.round(r.lon * SEMI),
      distance: r.distance === null ? undefined : Math.round(r.distance * 100) / 100,
      enhancedSpeed: r.speed === null ? undefined : Math.round(r.speed * 1000) / 1000,
      enhancedAltitude: r.altitude === null ? undefined : Math.round(r.altitude * 5) / 5,
      heartRate: r.hr ?? undefined,
      cadence: r.cadence ?? undefined,
      power: r.power ?? undefined,
      temperature: r.temperature ?? undefined,
    };
    this.write('RECORD', mesg);
  }

  length(l: { t0: number; t1: number; strokes: number | null; speed: number | null; stroke: LengthMesg['swimStroke']; cadence: number | null; active: boolean }): void {
    const elapsed = l.t1 - l.t0;
    const mesg: LengthMesg = {
      messageIndex: this.lengthIndex++,
      timestamp: this.at(l.t1),
      event: 'length',
      eventType: 'stop',
      startTime: this.at(l.t0),
      totalElapsedTime: elapsed,
      totalTimerTime: elapsed,
      totalStrokes: l.strokes ?? undefined,
      avgSpeed: l.speed ?? undefined,
      swimStroke: l.stroke,
      avgSwimmingCadence: l.cadence ?? undefined,
      lengthType: l.active ? 'active' : 'idle',
    };
    this.write('LENGTH', mesg);
  }

  lap(s: Summary, extra: { intensity: LapMesg['intensity']; trigger: LapMesg['lapTrigger']; sport: LapMesg['sport']; subSport: LapMesg['subSport']; lengths?: { first: number; count: number; active: number; stroke: LapMesg['swimStroke'] } }): void {
    const mesg: LapMesg = {
      messageIndex: this.lapIndex++,
      timestamp: this.at(s.t1),
      event: 'lap',
      eventType: 'stop',
      startTime: this.at(s.t0),
      startPositionLat: s.startLat ?? undefined,
      startPositionLong: s.startLon ?? undefined,
      endPositionLat: s.endLat ?? undefined,
      endPositionLong: s.endLon ?? undefined,
      totalElapsedTime: s.t1 - s.t0,
      totalTimerTime: s.t1 - s.t0,
      totalDistance: s.distance,
      totalCycles: s.cycles ?? undefined,
      totalCalories: s.calories,
      enhancedAvgSpeed: s.avgSpeed ?? undefined,
      enhancedMaxSpeed: s.maxSpeed ?? undefined,
      avgHeartRate: s.avgHr ?? undefined,
      maxHeartRate: s.maxHr ?? undefined,
      avgCadence: s.avgCadence ?? undefined,
      maxCadence: s.maxCadence ?? undefined,
      avgPower: s.avgPower ?? undefined,
      maxPower: s.maxPower ?? undefined,
      normalizedPower: s.normalizedPower ?? undefined,
      totalAscent: s.ascent ?? undefined,
      totalDescent: s.descent ?? undefined,
      intensity: extra.intensity,
      lapTrigger: extra.trigger,
      sport: extra.sport,
      subSport: extra.subSport,
      numLengths: extra.lengths?.count,
      firstLengthIndex: extra.lengths?.first,
      numActiveLengths: extra.lengths?.active,
      swimStroke: extra.lengths?.stroke,
    };
    this.write('LAP', mesg);
  }

  session(
    s: Summary,
    extra: {
      sport: SessionMesg['sport'];
      subSport: SessionMesg['subSport'];
      firstLap: number;
      laps: number;
      pool?: { lengthM: number; lengths: number; active: number };
      thresholdPower?: number;
    },
  ): void {
    const mesg: SessionMesg = {
      messageIndex: this.sessionIndex++,
      timestamp: this.at(s.t1),
      event: 'session',
      eventType: 'stop',
      startTime: this.at(s.t0),
      startPositionLat: s.startLat ?? undefined,
      startPositionLong: s.startLon ?? undefined,
      sport: extra.sport,
      subSport: extra.subSport,
      totalElapsedTime: s.t1 - s.t0,
      totalTimerTime: s.t1 - s.t0,
      totalDistance: s.distance,
      totalCycles: s.cycles ?? undefined,
      totalCalories: s.calories,
      enhancedAvgSpeed: s.avgSpeed ?? undefined,
      enhancedMaxSpeed: s.maxSpeed ?? undefined,
      avgHeartRate: s.avgHr ?? undefined,
      maxHeartRate: s.maxHr ?? undefined,
      avgCadence: s.avgCadence ?? undefined,
      maxCadence: s.maxCadence ?? undefined,
      avgPower: s.avgPower ?? undefined,
      maxPower: s.maxPower ?? undefined,
      normalizedPower: s.normalizedPower ?? undefined,
      thresholdPower: extra.thresholdPower,
      totalAscent: s.ascent ?? undefined,
      totalDescent: s.descent ?? undefined,
      firstLapIndex: extra.firstLap,
      numLaps: extra.laps,
      trigger: 'activityEnd',
      poolLength: extra.pool?.lengthM,
      poolLengthUnit: extra.pool === undefined ? undefined : 'metric',
      numLengths: extra.pool?.lengths,
      numActiveLengths: extra.pool?.active,
    };
    this.write('SESSION', mesg);
  }

  close(t: number, sessions: number, timerS: number): Uint8Array {
    const mesg: ActivityMesg = {
      timestamp: this.at(t),
      totalTimerTime: timerS,
      numSessions: sessions,
      type: 'manual',
      event: 'activity',
      eventType: 'stop',
      localTimestamp: Math.round((this.start + t * 1000 - Date.UTC(1989, 11, 31)) / 1000) + 3600,
    };
    this.write('ACTIVITY', mesg);
    return this.encoder.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Summaries of a stretch of records (laps, sessions)

interface Summary {
  t0: number;
  t1: number;
  distance: number;
  calories: number;
  cycles: number | null;
  avgSpeed: number | null;
  maxSpeed: number | null;
  avgHr: number | null;
  maxHr: number | null;
  avgCadence: number | null;
  maxCadence: number | null;
  avgPower: number | null;
  maxPower: number | null;
  normalizedPower: number | null;
  ascent: number | null;
  descent: number | null;
  startLat: number | null;
  startLon: number | null;
  endLat: number | null;
  endLon: number | null;
}

const mean = (xs: number[]): number | null => (xs.length === 0 ? null : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length));
const maxOf = (xs: number[]): number | null => (xs.length === 0 ? null : Math.max(...xs));
const present = <T>(xs: (T | null)[]): T[] => xs.filter((x): x is T => x !== null);

function summarize(recs: Rec[], t0: number, t1: number, d0: number, kcalPerKm: number): Summary {
  const last = recs[recs.length - 1];
  const distance = Math.max(0, (last?.distance ?? d0) - d0);
  let up = 0;
  let down = 0;
  for (let i = 1; i < recs.length; i++) {
    const a = recs[i - 1]!.altitude;
    const b = recs[i]!.altitude;
    if (a === null || b === null) continue;
    if (b > a) up += b - a;
    else down += a - b;
  }
  const powers = present(recs.map((r) => r.power));
  const np = powers.length === 0 ? null : Math.round(Math.pow(powers.reduce((a, p) => a + p ** 4, 0) / powers.length, 0.25));
  const speeds = present(recs.map((r) => r.speed));
  const semi = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : Math.round(v * SEMI));
  return {
    t0,
    t1,
    distance: Math.round(distance * 100) / 100,
    calories: Math.round((distance / 1000) * kcalPerKm + ((t1 - t0) / 60) * 2),
    cycles: null,
    avgSpeed: t1 > t0 && speeds.length > 0 ? Math.round((distance / (t1 - t0)) * 1000) / 1000 : null,
    maxSpeed: speeds.length === 0 ? null : Math.round(Math.max(...speeds) * 1000) / 1000,
    avgHr: mean(present(recs.map((r) => r.hr))),
    maxHr: maxOf(present(recs.map((r) => r.hr))),
    avgCadence: mean(present(recs.map((r) => r.cadence))),
    maxCadence: maxOf(present(recs.map((r) => r.cadence))),
    avgPower: mean(powers),
    maxPower: maxOf(powers),
    normalizedPower: np,
    ascent: recs.some((r) => r.altitude !== null) ? Math.round(up) : null,
    descent: recs.some((r) => r.altitude !== null) ? Math.round(down) : null,
    startLat: semi(recs[0]?.lat),
    startLon: semi(recs[0]?.lon),
    endLat: semi(last?.lat),
    endLon: semi(last?.lon),
  };
}

// ---------------------------------------------------------------------------------------------
// Moving legs: runs and rides, simulated second by second on a rolling course

interface Course {
  t: number;
  lat: number;
  lon: number;
  heading: number;
  distance: number;
  hr: number;
  terrain: { base: number; p1: number; p2: number; amp: number };
}

interface LegSpec {
  sport: 'running' | 'cycling';
  durationS: number;
  /** Flat-ground speed (m/s) at second `s` of the leg. */
  speed: (s: number) => number;
  /** Record every second, or smart recording (every 1–8 s). */
  recording: '1hz' | 'smart';
  power: boolean;
  /** Distance between auto laps, metres. */
  lapM: number;
}

const altitudeAt = (c: Course, d: number): number => c.terrain.base + c.terrain.amp * Math.sin(d / 2300 + c.terrain.p1) + (c.terrain.amp / 3) * Math.sin(d / 610 + c.terrain.p2);

/** Simulates one leg from the course's current state; returns its records and lap boundaries (record indexes). */
function leg(course: Course, spec: LegSpec, rand: () => number): { recs: Rec[]; laps: [number, number][] } {
  const recs: Rec[] = [];
  const laps: [number, number][] = [];
  let lapFrom = 0;
  let nextLapAt = course.distance + spec.lapM;
  let nextRecord = course.t;
  const endT = course.t + spec.durationS;
  const ftp = 260;
  while (course.t < endT) {
    const s = course.t - (endT - spec.durationS);
    const alt0 = altitudeAt(course, course.distance);
    const grade = (altitudeAt(course, course.distance + 5) - alt0) / 5;
    const flat = spec.speed(s);
    const coasting = spec.sport === 'cycling' && grade < -0.03;
    const v = Math.max(spec.sport === 'running' ? 1.5 : 3, flat * (1 - (spec.sport === 'running' ? 3 : 7) * grade) * (coasting ? 1.15 : 1) + (rand() - 0.5) * 0.15);
    let power: number | null = null;
    if (spec.power) {
      power =
        spec.sport === 'cycling'
          ? coasting
            ? 0
            : Math.round(Math.max(0, 0.004 * 80 * 9.81 * v + 0.5 * 1.2 * 0.32 * v ** 3 + 80 * 9.81 * grade * v + (rand() - 0.5) * 30))
          : Math.round(Math.max(50, 1.04 * 62 * v + 62 * 9.81 * grade * v * 0.6 + (rand() - 0.5) * 12));
    }
    const effort = spec.sport === 'cycling' ? (power ?? 180) / ftp : v / 4.2;
    const targetHr = 55 + 110 * Math.min(1.15, effort);
    course.hr += (targetHr - course.hr) / 25;
    course.heading += (rand() - 0.5) * 0.08;
    const dLat = (v * Math.cos(course.heading)) / 111_320;
    course.lat += dLat;
    course.lon += (v * Math.sin(course.heading)) / (111_320 * Math.cos((course.lat * Math.PI) / 180));
    course.distance += v;
    course.t += 1;
    if (course.t >= nextRecord || course.t >= endT) {
      recs.push({
        t: course.t,
        lat: course.lat,
        lon: course.lon,
        distance: course.distance,
        speed: v,
        altitude: altitudeAt(course, course.distance),
        hr: Math.round(course.hr + (rand() - 0.5) * 2),
        cadence: coasting ? 0 : Math.round(spec.sport === 'running' ? 80 + 2.5 * v + (rand() - 0.5) * 3 : 85 + (rand() - 0.5) * 10),
        power,
        temperature: Math.round(14 + 6 * Math.sin(course.t / 9000)),
      });
      nextRecord = spec.recording === '1hz' ? course.t + 1 : course.t + 1 + Math.floor(rand() ** 2 * 8);
    }
    if (course.distance >= nextLapAt && recs.length > lapFrom) {
      laps.push([lapFrom, recs.length]);
      lapFrom = recs.length;
      nextLapAt += spec.lapM;
    }
  }
  if (recs.length > lapFrom) laps.push([lapFrom, recs.length]);
  return { recs, laps };
}

function newCourse(rand: () => number): Course {
  return {
    t: 0,
    lat: 51.2 + rand() * 0.8,
    lon: -1.5 + rand() * 1.5,
    heading: rand() * 2 * Math.PI,
    distance: 0,
    hr: 70,
    terrain: { base: 40 + rand() * 120, p1: rand() * 6, p2: rand() * 6, amp: 15 + rand() * 35 },
  };
}

const SPORT_INFO = {
  running: { sport: 'running', subSport: 'generic', kcalPerKm: 65 },
  cycling: { sport: 'cycling', subSport: 'road', kcalPerKm: 25 },
} as const;

/** Writes a leg's records, laps and session. */
function writeLeg(w: FitWriter, sport: 'running' | 'cycling', l: { recs: Rec[]; laps: [number, number][] }, t0: number, d0: number, power: boolean): Summary {
  const info = SPORT_INFO[sport];
  const firstLap = w.lapIndex;
  l.laps.forEach(([from, to], i) => {
    for (let j = from; j < to; j++) w.record(l.recs[j]!);
    const lapT0 = from === 0 ? t0 : l.recs[from - 1]!.t;
    const lapD0 = from === 0 ? d0 : l.recs[from - 1]!.distance!;
    const s = summarize(l.recs.slice(from, to), lapT0, l.recs[to - 1]!.t, lapD0, info.kcalPerKm);
    w.lap(s, { intensity: 'active', trigger: i === l.laps.length - 1 ? 'sessionEnd' : 'distance', sport: info.sport, subSport: info.subSport });
  });
  const session = summarize(l.recs, t0, l.recs[l.recs.length - 1]!.t, d0, info.kcalPerKm);
  w.session(session, { sport: info.sport, subSport: info.subSport, firstLap, laps: l.laps.length, ...(power && sport === 'cycling' ? { thresholdPower: 260 } : {}) });
  return session;
}

function movingFile(start: Date, serial: number, spec: LegSpec, seed: number): Uint8Array {
  const rand = prng(seed);
  const w = new FitWriter(start, serial, spec.sport === 'cycling' ? 3121 : 4315);
  const course = newCourse(rand);
  w.timer(0, 'start');
  const l = leg(course, spec, rand);
  writeLeg(w, spec.sport, l, 0, 0, spec.power);
  w.timer(course.t, 'stopAll');
  return w.close(course.t, 1, course.t);
}

/** Run / transition / bike / transition / run, five sessions in one file. */
function duathlonFile(start: Date, serial: number, km: { run1: number; bike: number; run2: number }, seed: number): Uint8Array {
  const rand = prng(seed);
  const w = new FitWriter(start, serial, 4315);
  const course = newCourse(rand);
  w.timer(0, 'start');
  const runLeg = (metres: number, pace: number): void => {
    const t0 = course.t;
    const d0 = course.distance;
    writeLeg(w, 'running', leg(course, { sport: 'running', durationS: Math.round(metres / pace), speed: () => pace, recording: '1hz', power: true, lapM: 1000 }, rand), t0, d0, true);
  };
  const transition = (seconds: number, subSport: SessionMesg['subSport']): void => {
    const t0 = course.t;
    const recs: Rec[] = [];
    for (let i = 0; i < seconds; i++) {
      course.t += 1;
      course.distance += 1.2;
      recs.push({ t: course.t, lat: course.lat, lon: course.lon, distance: course.distance, speed: 1.2, altitude: altitudeAt(course, course.distance), hr: Math.round(course.hr), cadence: null, power: null, temperature: 15 });
    }
    for (const r of recs) w.record(r);
    const s = summarize(recs, t0, course.t, recs[0]!.distance! - 1.2, 0);
    const firstLap = w.lapIndex;
    w.lap(s, { intensity: 'active', trigger: 'sessionEnd', sport: 'transition', subSport });
    w.session(s, { sport: 'transition', subSport, firstLap, laps: 1 });
  };
  runLeg(km.run1 * 1000, 4.3);
  transition(75 + Math.round(rand() * 30), 'runToBikeTransition');
  const t0 = course.t;
  const d0 = course.distance;
  writeLeg(w, 'cycling', leg(course, { sport: 'cycling', durationS: Math.round((km.bike * 1000) / 10.5), speed: () => 10.5, recording: '1hz', power: true, lapM: 5000 }, rand), t0, d0, true);
  transition(45 + Math.round(rand() * 30), 'bikeToRunTransition');
  runLeg(km.run2 * 1000, 4.0);
  w.timer(course.t, 'stopAll');
  return w.close(course.t, 5, course.t);
}

// ---------------------------------------------------------------------------------------------
// Pool swims

interface SwimInterval {
  reps: number;
  metres: number;
  stroke: 'freestyle' | 'backstroke' | 'breaststroke' | 'mixed';
  /** Seconds per 100 m. */
  pace: number;
  restS: number;
}

function poolSwimFile(start: Date, serial: number, poolM: 25 | 50, plan: SwimInterval[], seed: number): Uint8Array {
  const rand = prng(seed);
  const w = new FitWriter(start, serial, 4315);
  let t = 0;
  let distance = 0;
  let hr = 90;
  let lengths = 0;
  let active = 0;
  let strokesTotal = 0;
  const all: Rec[] = [];
  w.timer(0, 'start');
  const strokes = ['freestyle', 'backstroke', 'breaststroke'] as const;
  const lapFromLengths = (t0: number, d0: number, recs: Rec[], firstLength: number, count: number, activeCount: number, stroke: LapMesg['swimStroke'], cycles: number | null): void => {
    const s = { ...summarize(recs, t0, t, d0, 0), cycles, calories: Math.round((t - t0) / 6) };
    s.distance = distance - d0;
    w.lap(s, { intensity: activeCount > 0 ? 'active' : 'rest', trigger: 'manual', sport: 'swimming', subSport: 'lapSwimming', lengths: { first: firstLength, count, active: activeCount, stroke } });
  };
  for (const interval of plan) {
    for (let rep = 0; rep < interval.reps; rep++) {
      const t0 = t;
      const d0 = distance;
      const firstLength = w.lengthIndex;
      const recs: Rec[] = [];
      let lapStrokes = 0;
      const n = Math.round(interval.metres / poolM);
      for (let i = 0; i < n; i++) {
        const stroke = interval.stroke === 'mixed' ? strokes[i % 3]! : interval.stroke;
        const secs = Math.max(8, Math.round((interval.pace * poolM) / 100 + (rand() - 0.5) * 3 + (i === 0 ? 2 : 0)));
        const count = Math.round((poolM / 25) * (stroke === 'breaststroke' ? 9 : 15) + (rand() - 0.5) * 3);
        hr += (150 - hr) / 4;
        const l0 = t;
        t += secs;
        distance += poolM;
        lapStrokes += count;
        w.length({ t0: l0, t1: t, strokes: count, speed: Math.round((poolM / secs) * 1000) / 1000, stroke, cadence: Math.round((count / secs) * 60), active: true });
        const r: Rec = { t, lat: null, lon: null, distance, speed: poolM / secs, altitude: null, hr: Math.round(hr + (rand() - 0.5) * 4), cadence: Math.round((count / secs) * 60), power: null, temperature: 27 };
        w.record(r);
        recs.push(r);
        all.push(r);
      }
      lengths += n;
      active += n;
      strokesTotal += lapStrokes;
      lapFromLengths(t0, d0, recs, firstLength, n, n, interval.stroke, lapStrokes);
      if (interval.restS > 0) {
        const r0 = t;
        const restRecs: Rec[] = [];
        const firstRest = w.lengthIndex;
        for (let s = 5; s <= interval.restS; s += 5) {
          hr += (100 - hr) / 3;
          const r: Rec = { t: r0 + s, lat: null, lon: null, distance, speed: 0, altitude: null, hr: Math.round(hr), cadence: null, power: null, temperature: 27 };
          w.record(r);
          restRecs.push(r);
          all.push(r);
        }
        t = r0 + interval.restS;
        w.length({ t0: r0, t1: t, strokes: null, speed: null, stroke: undefined, cadence: null, active: false });
        lengths += 1;
        lapFromLengths(r0, distance, restRecs.length > 0 ? restRecs : [all[all.length - 1]!], firstRest, 1, 0, undefined, null);
      }
    }
  }
  w.timer(t, 'stopAll');
  const session = { ...summarize(all, 0, t, 0, 0), cycles: strokesTotal, calories: Math.round(t / 6) };
  session.distance = distance;
  w.session(session, { sport: 'swimming', subSport: 'lapSwimming', firstLap: 0, laps: w.lapIndex, pool: { lengthM: poolM, lengths, active } });
  return w.close(t, 1, t);
}

// ---------------------------------------------------------------------------------------------
// Strength: as src/synth/fit.ts (the demo's FR965 files) writes them

function strengthSets(rand: () => number, exercises: [string, number, number | null][]): SynthSet[] {
  const sets: SynthSet[] = [];
  for (const [category, count, kg] of exercises) {
    for (let i = 0; i < count; i++) {
      sets.push({ category, reps: 6 + Math.floor(rand() * 7), weightKg: kg === null ? null : kg + 2.5 * i, durationS: 25 + Math.round(rand() * 35), restS: 60 + Math.round(rand() * 60) });
    }
  }
  return sets;
}

// ---------------------------------------------------------------------------------------------
// The corpus

const day = (n: number, hour: number): Date => new Date(Date.UTC(2025, 2, 3 + n, hour, 0, 0));

export function benchCorpus(fixtureDir: string): CorpusFile[] {
  const files: CorpusFile[] = [];
  const rand = prng(2025);
  let serial = 3_990_000_000;

  const fixtures = fs
    .readdirSync(fixtureDir)
    .filter((f) => f.endsWith('.fit') && !f.startsWith('corrupt'))
    .sort();
  for (const name of fixtures) {
    const bytes = new Uint8Array(fs.readFileSync(path.join(fixtureDir, name)));
    for (let copy = 1; copy <= 2; copy++) files.push({ name: `real-${copy}-${name}`, shape: 'real recording (new serial)', bytes: withSerialNumber(bytes, serial++) });
  }

  // Easy, steady, tempo, intervals, long: minutes and flat-ground speed.
  const runs: [number, (s: number) => number][] = [
    [35, () => 3.1],
    [45, () => 3.3],
    [50, (s) => (s > 600 && s < 2400 ? 4.1 : 3.2)],
    [60, (s) => (s > 900 && Math.floor((s - 900) / 180) % 2 === 0 && s < 3000 ? 4.6 : 3.0)],
    [75, () => 3.4],
    [90, () => 3.35],
    [120, () => 3.3],
    [150, (s) => 3.25 - s / 60_000],
  ];
  runs.forEach(([minutes, speed], i) => {
    files.push({ name: `run-1hz-${i}.fit`, shape: 'run 1 Hz', bytes: movingFile(day(i, 7), serial++, { sport: 'running', durationS: minutes * 60, speed, recording: '1hz', power: i % 2 === 0, lapM: 1000 }, 100 + i) });
  });
  runs.forEach(([minutes, speed], i) => {
    files.push({ name: `run-smart-${i}.fit`, shape: 'run, smart recording', bytes: movingFile(day(10 + i, 18), serial++, { sport: 'running', durationS: minutes * 60, speed, recording: 'smart', power: false, lapM: 1000 }, 200 + i) });
  });
  [4, 4.5, 5].forEach((hours, i) => {
    files.push({
      name: `ride-power-${i}.fit`,
      shape: 'road ride 4–5 h with power',
      bytes: movingFile(day(20 + i, 8), serial++, { sport: 'cycling', durationS: hours * 3600, speed: (s) => 8.6 + 0.6 * Math.sin(s / 1500), recording: '1hz', power: true, lapM: 10_000 }, 300 + i),
    });
  });
  const swims: [25 | 50, SwimInterval[]][] = [
    [25, [{ reps: 1, metres: 400, stroke: 'mixed', pace: 125, restS: 30 }, { reps: 10, metres: 100, stroke: 'freestyle', pace: 100, restS: 15 }, { reps: 4, metres: 200, stroke: 'freestyle', pace: 108, restS: 20 }, { reps: 1, metres: 200, stroke: 'backstroke', pace: 130, restS: 0 }]],
    [25, [{ reps: 1, metres: 300, stroke: 'freestyle', pace: 120, restS: 20 }, { reps: 8, metres: 50, stroke: 'breaststroke', pace: 140, restS: 20 }, { reps: 6, metres: 150, stroke: 'freestyle', pace: 105, restS: 20 }, { reps: 1, metres: 200, stroke: 'mixed', pace: 130, restS: 0 }]],
    [50, [{ reps: 1, metres: 500, stroke: 'freestyle', pace: 115, restS: 30 }, { reps: 5, metres: 300, stroke: 'freestyle', pace: 102, restS: 30 }, { reps: 1, metres: 400, stroke: 'mixed', pace: 125, restS: 0 }]],
    [50, [{ reps: 1, metres: 400, stroke: 'freestyle', pace: 118, restS: 20 }, { reps: 16, metres: 100, stroke: 'freestyle', pace: 98, restS: 10 }, { reps: 1, metres: 300, stroke: 'backstroke', pace: 132, restS: 0 }]],
  ];
  swims.forEach(([pool, plan], i) => files.push({ name: `pool-swim-${pool}m-${i}.fit`, shape: 'pool swim (lengths)', bytes: poolSwimFile(day(30 + i, 6), serial++, pool, plan, 400 + i) }));
  files.push({ name: 'duathlon-sprint.fit', shape: 'duathlon run/bike/run', bytes: duathlonFile(day(40, 9), serial++, { run1: 5, bike: 20, run2: 2.5 }, 501) });
  files.push({ name: 'duathlon-standard.fit', shape: 'duathlon run/bike/run', bytes: duathlonFile(day(41, 9), serial++, { run1: 10, bike: 40, run2: 5 }, 502) });
  const programmes: [string, number, number | null][][] = [
    [['squat', 4, 60], ['deadlift', 3, 80], ['lunge', 3, 20], ['calf_raise', 3, 40], ['plank', 3, null]],
    [['bench_press', 4, 50], ['row', 4, 45], ['shoulder_press', 3, 25], ['pull_up', 3, null], ['core', 4, null]],
    [['squat', 3, 70], ['hip_raise', 3, 60], ['lunge', 3, 24], ['deadlift', 3, 90], ['core', 3, null], ['plank', 3, null]],
    [['deadlift', 4, 85], ['squat', 4, 65], ['row', 3, 40], ['curl', 3, 14], ['triceps_extension', 3, 20], ['calf_raise', 4, 45], ['core', 3, null]],
  ];
  programmes.forEach((exercises, i) => {
    files.push({ name: `strength-${i}.fit`, shape: 'strength with sets', bytes: encodeStrength({ startTime: day(50 + i, 17), sets: strengthSets(rand, exercises), avgHr: 105, serialNumber: serial++ }) });
  });
  return files;
}
