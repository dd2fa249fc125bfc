// What the faulty decoder does (see faulty-decoder-loader.js): bytes holding one of these markers
// make it throw a TypeError, loop forever, or end its thread, before the real decoder sees them.
// Plain JavaScript, so that it loads in a `kinetic` process running compiled code (no tsx there).

export const CRASH_MARKER = 'KINETIC-TEST-CRASH';
export const HANG_MARKER = 'KINETIC-TEST-HANG';
export const EXIT_MARKER = 'KINETIC-TEST-EXIT';

/** Misbehaves if the bytes say so; returns normally otherwise. */
export function misbehave(bytes) {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (text.includes(CRASH_MARKER)) {
    // What a decoder bug looks like: a property of something that is not there.
    const message = undefined;
    return message.fields;
  }
  if (text.includes(HANG_MARKER)) {
    // An endless loop, as a decoder bug on a malformed length could make: only stopping the thread ends it.
    for (let i = 0; i >= 0; i = (i + 1) % 1_000_000);
  }
  // In a worker thread this ends the thread (not the process): the thread dies mid-file.
  if (text.includes(EXIT_MARKER)) process.exit(7);
  return undefined;
}
