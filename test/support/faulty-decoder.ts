/**
 * Making Kinetic's FIT decoder crash, hang, lose its thread or take its time on purpose, to test that
 * one such file fails alone: `faultyDecoderEnv()` is the environment that makes a `kinetic` process
 * (runCli) decode through faulty-decoder-loader.js, `FAULTY_WORKER_URL` a DecodePool worker script
 * that does, and the files below carry the markers (faulty-decode-behaviour.js) it reacts to.
 */
import { createHash } from 'node:crypto';
import { CRASH_MARKER, EXIT_MARKER, HANG_MARKER, SLOW_MARKER } from './faulty-decode-behaviour.js';

const HOOK = new URL('./faulty-decoder-hook.js', import.meta.url);

export const FAULTY_WORKER_URL = new URL('./faulty-decode-worker.js', import.meta.url);

/** Files (their bytes) the faulty decoder should crash on, hang on, or end its thread on. */
export interface Faults {
  crash?: Uint8Array[];
  hang?: Uint8Array[];
  exit?: Uint8Array[];
}

/**
 * Environment for runCli: preloads the loader hook that swaps the decoder, and lists the files it
 * misbehaves on besides those carrying a marker (by SHA-256, so they can be real FIT files).
 */
export function faultyDecoderEnv(faults: Faults = {}): Record<string, string> {
  const existing = process.env.NODE_OPTIONS ?? '';
  const listed = (['crash', 'hang', 'exit'] as const).flatMap((fault) => (faults[fault] ?? []).map((bytes) => `${fault}=${createHash('sha256').update(bytes).digest('hex')}`));
  return { NODE_OPTIONS: `${existing} --import ${HOOK.href}`.trim(), FAULTY_DECODE: listed.join(',') };
}

/** Bytes (a file's content) that make the faulty decoder throw a TypeError. `salt` makes each file distinct. */
export function crashingFile(salt = ''): Buffer {
  return Buffer.from(`not really FIT ${CRASH_MARKER} ${salt}`);
}

/** Bytes that make the faulty decoder loop forever. */
export function hangingFile(salt = ''): Buffer {
  return Buffer.from(`not really FIT ${HANG_MARKER} ${salt}`);
}

/** Bytes that make the faulty decoder end its thread (process.exit in a worker thread). */
export function exitingFile(salt = ''): Buffer {
  return Buffer.from(`not really FIT ${EXIT_MARKER} ${salt}`);
}

/**
 * Bytes on which the faulty decoder spends `ms` milliseconds (asleep, as a thread decoding a big file
 * is busy), then fails as the real decoder does on bytes that are not FIT.
 */
export function slowFile(ms: number, salt = ''): Buffer {
  return Buffer.from(`not really FIT ${SLOW_MARKER} ${ms} ${salt}`);
}
