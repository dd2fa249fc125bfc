/**
 * Worker-thread side of DecodePool: decodes FIT bytes off the main thread, one file at a time, in the
 * order they come (the pool sends the next while this one decodes). It says `ready` once the decoder
 * is loaded, and `started` as it begins each file, so that the pool's per-file time limit counts that
 * file's decoding only (not the thread's start-up, nor the file before it), and a thread that dies is
 * known to have died on that file.
 *
 * Asked to warm up (the pool's `warmUp`: the thread starts while the database opens, before there is
 * a file), it decodes a small run of its own again and again until the first file comes, so that the
 * JIT has optimised the decoder by then: a new thread's first files otherwise decode ~1.3 × slower.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { Encoder, Profile } from '@garmin/fitsdk';
import type { ActivityMesg, FileIdMesg, LapMesg, RecordMesg, SessionMesg } from '@garmin/fitsdk';
import { decodeFit, packDecoded, type DecodedFit, type PackedDecodedFit } from './decode.ts';

/** `pack`: answer with the streams packed (`packed`), their bytes transferred rather than copied. */
export type DecodeRequest = { id: number; bytes: Uint8Array; identity: string; pack?: boolean } | { warmUp: true };

export type DecodeReply =
  | { ready: true }
  | { started: number }
  | { id: number; ok: DecodedFit }
  | { id: number; packed: PackedDecodedFit }
  | { id: number; error: { name: string; message: string } };

/** Warming up stops after this long if no file came (a thread waiting longer has nothing to gain). */
export const WARM_UP_LIMIT_MS = 1000;
/** Records of the warm-up run: 2 minutes at 1 Hz, ~3 KB, a few milliseconds to decode once optimised. */
const WARM_UP_RECORDS = 120;

function reply(message: DecodeReply, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer);
}

/**
 * The decoded file with its streams packed here, and the buffers of the packed bytes to transfer:
 * the server's thread then receives a few MB it owns at once instead of deserialising millions of
 * numbers (0.6 s for a 2.2-million-sample activity) and packing them again (0.4–1.4 s).
 */
function packedReply(id: number, decoded: DecodedFit): { message: DecodeReply; transfer: ArrayBuffer[] } {
  const packed = packDecoded(decoded);
  const transfer: ArrayBuffer[] = [];
  for (const a of packed.activities) {
    const buffer = a.streams?.packed.buffer;
    // encodeStreams' bytes own their buffer (a copy of its exact length); anything else is cloned.
    if (buffer instanceof ArrayBuffer && buffer.byteLength === a.streams?.packed.byteLength && !transfer.includes(buffer)) transfer.push(buffer);
  }
  return { message: { id, packed }, transfer };
}

function mesgNum(name: string): number {
  const n = Profile.MesgNum[name];
  if (n === undefined) throw new Error(`Profile.MesgNum.${name} missing`);
  return n;
}

/** A 2-minute run as a watch writes it: file id, records with the usual channels, a lap, a session. */
export function warmUpFile(): Uint8Array {
  const start = Date.UTC(2026, 0, 1, 6);
  const at = (s: number): Date => new Date(start + s * 1000);
  const n = WARM_UP_RECORDS;
  const encoder = new Encoder();
  const fileId: FileIdMesg = { type: 'activity', manufacturer: 'development', product: 0, serialNumber: 1, timeCreated: at(0) };
  encoder.onMesg(mesgNum('FILE_ID'), fileId);
  for (let i = 0; i < n; i++) {
    const record: RecordMesg = {
      timestamp: at(i),
      distance: i * 3.1,
      heartRate: 120 + (i % 30),
      cadence: 85 + (i % 5),
      enhancedSpeed: 3 + (i % 7) / 10,
      enhancedAltitude: 100 + (i % 11) / 5,
      power: 200 + (i % 13),
    };
    encoder.onMesg(mesgNum('RECORD'), record);
  }
  const summary = { timestamp: at(n), startTime: at(0), totalElapsedTime: n, totalTimerTime: n, totalDistance: n * 3.1, sport: 'running', subSport: 'generic' } as const;
  const lap: LapMesg = { messageIndex: 0, event: 'lap', eventType: 'stop', ...summary };
  encoder.onMesg(mesgNum('LAP'), lap);
  const session: SessionMesg = { messageIndex: 0, event: 'session', eventType: 'stop', ...summary, firstLapIndex: 0, numLaps: 1 };
  encoder.onMesg(mesgNum('SESSION'), session);
  const activity: ActivityMesg = { timestamp: at(n), totalTimerTime: n, numSessions: 1, type: 'manual', event: 'activity', eventType: 'stop' };
  encoder.onMesg(mesgNum('ACTIVITY'), activity);
  return encoder.close();
}

/** No file has come yet: warming up may go on. */
let idle = true;

/** One decode of the warm-up run per turn of the event loop, so that a file that comes waits for one at most. */
function warmUp(): void {
  let bytes: Uint8Array;
  try {
    bytes = warmUpFile();
  } catch {
    return; // warming up is an optimisation: never a reason to fail
  }
  const until = performance.now() + WARM_UP_LIMIT_MS;
  const step = (): void => {
    if (!idle || performance.now() > until) return;
    try {
      decodeFit(bytes, 'warm-up');
    } catch {
      return;
    }
    setImmediate(step);
  };
  setImmediate(step);
}

parentPort?.on('message', (req: DecodeRequest) => {
  if ('warmUp' in req) {
    if (idle) warmUp();
    return;
  }
  idle = false;
  reply({ started: req.id });
  try {
    const decoded = decodeFit(req.bytes, req.identity);
    if (req.pack === true) {
      const { message, transfer } = packedReply(req.id, decoded);
      reply(message, transfer);
    } else {
      reply({ id: req.id, ok: decoded });
    }
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply({ id: req.id, error: { name: e.name, message: e.message } });
  }
});
reply({ ready: true });
