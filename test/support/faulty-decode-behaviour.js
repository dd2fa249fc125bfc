// What the faulty decoder does (see faulty-decoder-loader.js): it throws a TypeError, loops forever,
// ends its thread or takes its time (then decodes as usual), before the real decoder sees the bytes,
// for bytes that hold one of the markers below, or whose SHA-256 the environment variable
// FAULTY_DECODE lists (`crash=<sha>,hang=<sha>`: a real FIT file that decodes again once the variable
// is gone, as after a fix). Plain JavaScript, so that it loads in a `kinetic` process running
// compiled code (no tsx there).
import { createHash } from 'node:crypto';

export const CRASH_MARKER = 'KINETIC-TEST-CRASH';
export const HANG_MARKER = 'KINETIC-TEST-HANG';
export const EXIT_MARKER = 'KINETIC-TEST-EXIT';
/** Followed by a number of milliseconds: the decoder sleeps that long, then reads the bytes as usual. */
export const SLOW_MARKER = 'KINETIC-TEST-SLOW';

function textOf(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function faultOf(bytes) {
  const text = textOf(bytes);
  if (text.includes(CRASH_MARKER)) return 'crash';
  if (text.includes(HANG_MARKER)) return 'hang';
  if (text.includes(EXIT_MARKER)) return 'exit';
  if (text.includes(SLOW_MARKER)) return 'slow';
  const listed = process.env.FAULTY_DECODE;
  if (listed === undefined || listed === '') return undefined;
  const sha = createHash('sha256').update(bytes).digest('hex');
  return listed
    .split(',')
    .map((entry) => entry.split('='))
    .find(([, s]) => s === sha)?.[0];
}

/** Misbehaves if the bytes say so; returns normally otherwise. */
export function misbehave(bytes) {
  switch (faultOf(bytes)) {
    case 'crash': {
      // What a decoder bug looks like: a property of something that is not there.
      const message = undefined;
      return message.fields;
    }
    case 'hang':
      // An endless loop, as a decoder bug on a malformed length could make: only stopping the thread ends it.
      for (let i = 0; i >= 0; i = (i + 1) % 1_000_000);
      return undefined;
    case 'exit':
      // In a worker thread this ends the thread (not the process): the thread dies mid-file.
      process.exit(7);
      return undefined;
    case 'slow': {
      // A big file: the thread is busy decoding (here: asleep) for that long, then goes on normally.
      const ms = Number(new RegExp(`${SLOW_MARKER} (\\d+)`).exec(textOf(bytes))?.[1] ?? 0);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      return undefined;
    }
    default:
      return undefined;
  }
}
