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
import { STREAM_CHANNELS, type SampleStreams, type StreamChannel } from './activity.ts';

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
  constructor(private readonly buf: Uint8Array) {}

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

  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
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

export function decodeStreams(data: Uint8Array): SampleStreams {
  const r = new ByteReader(data);
  const n = r.varint();
  const t: number[] = new Array<number>(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    prev += r.zigzag();
    t[i] = prev;
  }
  const out: SampleStreams = { t, distanceM: [], speedMps: [], heartRate: [], cadence: [], altitudeM: [], powerW: [] };
  for (const ch of STREAM_CHANNELS) out[ch] = readChannel(r, n, SCALE[ch]);
  return out;
}

function readChannel(r: ByteReader, n: number, scale: number): (number | null)[] {
  const presence = r.byte();
  const values = new Array<number | null>(n).fill(null);
  if (presence === 0) return values;
  if (presence !== 1 && presence !== 2) throw new StreamsDecodeError(`unknown channel presence byte ${presence}`);
  const bitmap = presence === 2 ? r.bytes(Math.ceil(n / 8)) : null;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    if (bitmap !== null && (bitmap[i >> 3]! & (1 << (i & 7))) === 0) continue;
    prev += r.zigzag();
    values[i] = prev / scale;
  }
  return values;
}
