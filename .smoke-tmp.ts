import { Decoder, Stream } from '@garmin/fitsdk';
import { encodeRun, encodeStrength, expectedRun } from './src/synth/fit.ts';
const run = { startTime: new Date('2024-03-01T06:00:00Z'), laps: [
  { durationS: 600, distanceM: 1800, avgHr: 130, intensity: 'warmup' as const },
  { durationS: 1800.25, distanceM: 6000.123, avgHr: 160 },
  { durationS: 3600, distanceM: 10000, avgHr: 170 },
  { durationS: 3600, distanceM: 10000, avgHr: 170 },
  { durationS: 300, distanceM: 700, avgHr: 120, intensity: 'cooldown' as const } ] };
let t = performance.now();
const bytes = encodeRun(run);
console.log('encode ms', performance.now() - t, 'bytes', bytes.length);
t = performance.now();
const e = expectedRun(run);
console.log('expected ms', performance.now() - t);
const d = new Decoder(Stream.fromByteArray(bytes));
console.log('integrity', d.checkIntegrity());
t = performance.now();
const { messages, errors } = d.read();
console.log('decode ms', performance.now() - t, errors);
console.log(messages.recordMesgs?.length, e.recordCount);
console.log(messages.recordMesgs?.slice(0, 3), messages.recordMesgs?.slice(-1));
console.log(messages.lapMesgs?.[1]);
console.log(messages.sessionMesgs, messages.activityMesgs, messages.eventMesgs, messages.deviceInfoMesgs, messages.fileIdMesgs);
console.log(JSON.stringify({ ...e.sessions[0], streams: undefined, laps: e.sessions[0]!.laps.slice(0, 2) }, null, 1));
const sb = encodeStrength({ startTime: new Date('2024-03-02T17:00:00Z'), avgHr: 100, sets: [
  { category: 'squat', reps: 8, weightKg: 60.3, durationS: 35.5, restS: 90 },
  { category: 'bench_press', reps: 10, weightKg: null, durationS: 40, restS: 0 },
  { category: 'plank', reps: null, weightKg: null, durationS: 60, restS: 60 } ] });
const m2 = new Decoder(Stream.fromByteArray(sb)).read();
console.log(m2.errors, m2.messages.setMesgs, m2.messages.sessionMesgs, m2.messages.lapMesgs?.length, m2.messages.recordMesgs?.slice(0,3));
