/**
 * Compact binary storage for sample streams (one blob per activity instead of one row per sample).
 *
 * Layout (codec 1), little-endian varints throughout:
 *   varint sampleCount
 *   channel `t`: zigzag varint deltas of whole seconds since start (always present)
 *   for each of STREAM_CHANNELS, in order:
 *     byte presence: 0 = channel absent, 1 = every sample present, 2 = bitmap follows
 *     [bitmap: ceil(n/8) bytes, bit i set = sample i present]   (presence 2 only)
 *     zigzag varint deltas of the quantised present values
 * Quantisation (the resolution the devices record at): distance cm, speed mm/s, heart rate bpm,
 * cadence rpm, altitude dm, power W. See docs/storage.md for the bytes per hour this gives.
 */
import { STREAM_CHANNELS, type AnalysisStreams, type PackedStreams, type SampleStreams, type StreamChannel } from './activity.ts';

export const STREAMS_CODEC = 1;

const SCALE: Record<StreamChannel, number> = {
  distanceM: 100,
  speedMps: 1000,
  heartRate: 1,
  cadence: 1,
  altitudeM: 10,
  powerW: 1,
};

export class StreamsDecodeError extends Error {
  override name = 'StreamsDecodeError';
}

class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Unsigned varint for values up to 2^53 (uses arithmetic, not 32-bit bit operations). */
  varint(value: number): void {
    this.ensure(8);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class ByteReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) throw new StreamsDecodeError(`stream blob ends early at byte ${this.pos - 1}`);
    return b;
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new StreamsDecodeError(`stream blob ends early at byte ${this.buf.length}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
  }
}

/** Zigzag decoding of unsigned varint `v`: 0, 1, 2, 3, … → 0, −1, 1, −2, … (`v & 1` is exact up to 2^53). */
function unzigzag(v: number): number {
  return (v & 1) === 0 ? v / 2 : -(v + 1) / 2;
}

function endsEarly(pos: number): StreamsDecodeError {
  return new StreamsDecodeError(`stream blob ends early at byte ${pos}`);
}

export function encodeStreams(s: SampleStreams): Uint8Array {
  const n = s.t.length;
  for (const ch of STREAM_CHANNELS) {
    if (s[ch].length !== n) throw new RangeError(`stream channel ${ch} has ${s[ch].length} samples, t has ${n}`);
  }
  const w = new ByteWriter();
  w.varint(n);
  let prev = 0;
  for (const t of s.t) {
    const q = Math.round(t);
    w.zigzag(q - prev);
    prev = q;
  }
  for (const ch of STREAM_CHANNELS) writeChannel(w, s[ch], SCALE[ch]);
  return w.result();
}

/** `encodeStreams` with the sample count: what storing needs, made where the streams are (the decode thread). */
export function packStreams(s: SampleStreams): PackedStreams {
  return { packed: encodeStreams(s), sampleCount: s.t.length };
}

/** Streams as arrays or packed already → the blob to store and its sample count. */
export function packedOf(s: SampleStreams | PackedStreams): PackedStreams {
  return 'packed' in s ? s : packStreams(s);
}

function writeChannel(w: ByteWriter, values: (number | null)[], scale: number): void {
  let present = 0;
  for (const v of values) if (v !== null && Number.isFinite(v)) present++;
  if (present === 0) {
    w.byte(0);
    return;
  }
  if (present === values.length) {
    w.byte(1);
  } else {
    w.byte(2);
    const bitmap = new Uint8Array(Math.ceil(values.length / 8));
    values.forEach((v, i) => {
      if (v !== null && Number.isFinite(v)) bitmap[i >> 3]! |= 1 << (i & 7);
    });
    w.bytes(bitmap);
  }
  let prev = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    const q = Math.round(v * scale);
    w.zigzag(q - prev);
    prev = q;
  }
}

/**
 * Decodes a blob written by `encodeStreams`. This is on the analysis hot path: varints are read inline
 * (no method call per byte) and each array is written once, in order, without prefilling — so a
 * channel without gaps is stored by V8 as unboxed doubles, and only a channel with gaps holds nulls
 * (and boxed numbers).
 */
export function decodeStreams(data: Uint8Array): SampleStreams {
  const r = new ByteReader(data);
  const { t, distanceM, speedMps, heartRate } = readAnalysisChannels(r);
  const n = t.length;
  const cadence = readChannel(r, n, SCALE.cadence);
  const altitudeM = readChannel(r, n, SCALE.altitudeM);
  const powerW = readChannel(r, n, SCALE.powerW);
  return { t, distanceM, speedMps, heartRate, cadence, altitudeM, powerW };
}

/** Only the channels analysis reads: the blob's first four, so the rest is never looked at. */
export function decodeAnalysisStreams(data: Uint8Array): AnalysisStreams {
  return readAnalysisChannels(new ByteReader(data));
}

/**
 * `decodeAnalysisStreams` a channel at a time, `between` running between two (the caller hands the
 * event loop back): for a large blob, whose four channels of 2.2 million samples take ~0.2 s to read.
 */
export async function decodeAnalysisStreamsInTurns(data: Uint8Array, between: () => Promise<void>): Promise<AnalysisStreams> {
  const r = new ByteReader(data);
  const n = r.varint();
  const t = readDeltas(r, new Array<number>(n), 1, null);
  await between();
  const distanceM = readChannel(r, n, SCALE.distanceM);
  await between();
  const speedMps = readChannel(r, n, SCALE.speedMps);
  await between();
  const heartRate = readChannel(r, n, SCALE.heartRate);
  return { t, distanceM, speedMps, heartRate };
}

function readAnalysisChannels(r: ByteReader): AnalysisStreams {
  const n = r.varint();
  const t = readDeltas(r, new Array<number>(n), 1, null);
  const distanceM = readChannel(r, n, SCALE.distanceM);
  const speedMps = readChannel(r, n, SCALE.speedMps);
  const heartRate = readChannel(r, n, SCALE.heartRate);
  return { t, distanceM, speedMps, heartRate };
}

function readChannel(r: ByteReader, n: number, scale: number): (number | null)[] {
  const presence = r.byte();
  const values = new Array<number | null>(n);
  if (presence === 0) return values.fill(null);
  if (presence !== 1 && presence !== 2) throw new StreamsDecodeError(`unknown channel presence byte ${presence}`);
  const bitmap = presence === 2 ? r.bytes(Math.ceil(n / 8)) : null;
  return readDeltas(r, values, scale, bitmap);
}

/**
 * Fills `values` (of the channel's length) with the running sum of zigzag varint deltas over `scale`,
 * and null where `bitmap` (when given) has no bit. Returns `values`.
 */
function readDeltas<T extends number | null>(r: ByteReader, values: T[], scale: number, bitmap: Uint8Array | null): T[] {
  const buf = r.buf;
  const n = values.length;
  let pos = r.pos;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    if (bitmap !== null && (bitmap[i >> 3]! & (1 << (i & 7))) === 0) {
      values[i] = null as T;
      continue;
    }
    let b = buf[pos];
    if (b === undefined) throw endsEarly(pos);
    pos++;
    let v = b;
    if (b >= 0x80) {
      v = b & 0x7f;
      let mul = 0x80;
      for (;;) {
        b = buf[pos];
        if (b === undefined) throw endsEarly(pos);
        pos++;
        v += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 0x80;
      }
    }
    prev += unzigzag(v);
    values[i] = (prev / scale) as T;
  }
  r.pos = pos;
  return values;
}
