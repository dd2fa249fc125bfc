/** A FIT file that cannot be imported: the message is the reason shown to the runner. */
export class FitDecodeError extends Error {
  override name = 'FitDecodeError';
}

/** The text of anything thrown (the SDK throws Errors; be safe with the rest). */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** "1 message", "6 messages": counts in warnings and reasons read as words. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

const COMPRESSED_TIMESTAMP_ERROR = 'compressed timestamp';

/** The SDK's "compressed timestamp messages are not currently supported": Kinetic's fallback reads those. */
export function isCompressedTimestampError(err: unknown): boolean {
  return messageOf(err).includes(COMPRESSED_TIMESTAMP_ERROR);
}

/** The SDK's own errors: "FIT Runtime Error at byte 123 <what>" while decoding. */
const SDK_DECODE_ERROR = /^FIT Runtime Error at byte (\d+)\s*(.*)$/s;
/** A message whose definition says it is longer than the data left: "… end of stream at byte 123". */
const SDK_END_OF_STREAM = /^FIT Runtime Error end of stream at byte (\d+)/;
/** Merging the separate `hr` messages (HRM-Swim, HRM-Tri) into the records, after decoding. */
const SDK_HR_MERGE = /^FIT Runtime Error (?!at byte ).*(?:HR mesg|event_timestamp)/s;

/**
 * The SDK merges the separate `hr` messages into the records after it has read every message: when
 * that fails, everything was read, and the records keep the heart rate they were written with.
 */
export function hrMergeFailure(err: unknown): string | null {
  if (!SDK_HR_MERGE.test(messageOf(err))) return null;
  return "the heart rate of the strap's hr messages could not be merged into the records (their times are incomplete): the records keep the heart rate the watch wrote";
}

/**
 * An error `Decoder.read()` returned, in words a runner or operator can act on. The SDK catches its
 * exceptions and returns them with what it had read; some are its own (a byte position and a
 * reason), others are JavaScript errors from inside it (a TypeError on a message it mishandles), whose
 * text means nothing to a runner: those are described by where the SDK stopped.
 */
export function describeSdkError(err: unknown, messagesRead: number): string {
  const text = messageOf(err);
  const after = `after ${plural(messagesRead, 'message')}`;
  const decode = SDK_DECODE_ERROR.exec(text);
  if (decode !== null) {
    const [, byte, what] = decode;
    if (what === undefined || what === '') return `the data is malformed at byte ${byte} (${after})`;
    if (what === 'CRC error') return 'CRC mismatch: the file is corrupt';
    return `${what} (at byte ${byte}, ${after})`;
  }
  const end = SDK_END_OF_STREAM.exec(text);
  if (end !== null) return `a message runs past the end of the data at byte ${end[1]} (${after})`;
  return `Garmin's FIT SDK failed on a message it could not interpret, after reading ${plural(messagesRead, 'message')}`;
}
