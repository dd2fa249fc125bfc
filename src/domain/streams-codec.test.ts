import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STREAM_CHANNELS, type SampleStreams } from './activity.ts';
import { decodeAnalysisStreams, decodeAnalysisStreamsInTurns, decodeStreams, encodeStreams, packStreams, StreamsDecodeError } from './streams-codec.ts';

const empty = (n: number): (number | null)[] => new Array<number | null>(n).fill(null);

describe('streams codec', () => {
  it('round-trips values at the stored resolution, keeping gaps as null', () => {
    const s: SampleStreams = {
      t: [0, 1, 2, 5, 6],
      distanceM: [0, 2.95, 5.91, 14.77, 17.72],
      speedMps: [2.951, 2.96, null, 2.954, 2.95],
      heartRate: [120, 121, 125, null, 130],
      cadence: [84, 85, 85, 86, 86],
      altitudeM: [55.2, 55.4, 55.4, -3.1, 54.9],
      powerW: empty(5),
    };
    expect(decodeStreams(encodeStreams(s))).toEqual(s);
  });

  it('decodes the analysis channels a channel a turn as at once; packStreams keeps the sample count', async () => {
    const s: SampleStreams = {
      t: [0, 1, 2, 5, 6],
      distanceM: [0, 2.95, 5.91, 14.77, 17.72],
      speedMps: [2.951, 2.96, null, 2.954, 2.95],
      heartRate: [120, 121, 125, null, 130],
      cadence: [84, 85, 85, 86, 86],
      altitudeM: empty(5),
      powerW: empty(5),
    };
    const packed = packStreams(s);
    expect(packed).toEqual({ packed: encodeStreams(s), sampleCount: 5 });
    let turns = 0;
    const inTurns = await decodeAnalysisStreamsInTurns(packed.packed, () => {
      turns++;
      return Promise.resolve();
    });
    expect(inTurns).toEqual(decodeAnalysisStreams(packed.packed));
    expect(turns).toBe(3);
  });

  it('handles an empty stream', () => {
    const s: SampleStreams = { t: [], distanceM: [], speedMps: [], heartRate: [], cadence: [], altitudeM: [], powerW: [] };
    expect(decodeStreams(encodeStreams(s))).toEqual(s);
  });

  it('rejects channels of different lengths', () => {
    const s: SampleStreams = { t: [0, 1], distanceM: [0], speedMps: empty(2), heartRate: empty(2), cadence: empty(2), altitudeM: empty(2), powerW: empty(2) };
    expect(() => encodeStreams(s)).toThrow(/distanceM has 1 samples, t has 2/);
  });

  it('reports a truncated blob instead of returning garbage', () => {
    const blob = encodeStreams({ t: [0, 1, 2], distanceM: [0, 3, 6], speedMps: empty(3), heartRate: [100, 101, 102], cadence: empty(3), altitudeM: empty(3), powerW: empty(3) });
    expect(() => decodeStreams(blob.subarray(0, blob.length - 2))).toThrow(StreamsDecodeError);
  });

  it('round-trips any quantised stream (property)', () => {
    const channel = (scale: number, max: number) =>
      fc.option(fc.integer({ min: -max, max }).map((v) => v / scale), { nil: null, freq: 5 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }).chain((n) =>
        fc.record({
          t: fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: n, maxLength: n }),
          distanceM: fc.array(channel(100, 50_000_000), { minLength: n, maxLength: n }),
          speedMps: fc.array(channel(1000, 30_000), { minLength: n, maxLength: n }),
          heartRate: fc.array(channel(1, 250), { minLength: n, maxLength: n }),
          cadence: fc.array(channel(1, 250), { minLength: n, maxLength: n }),
          altitudeM: fc.array(channel(10, 90_000), { minLength: n, maxLength: n }),
          powerW: fc.array(channel(1, 3000), { minLength: n, maxLength: n }),
        }),
      ), (s) => {
        expect(decodeStreams(encodeStreams(s))).toEqual(s);
      }),
      { numRuns: 200 },
    );
  });
});

describe('streams codec: the decoder against the one it replaced', () => {
  const streamsArb = fc.integer({ min: 0, max: 200 }).chain((n) => {
    const channel = (scale: number, max: number) =>
      fc.oneof(
        fc.constant(new Array<number | null>(n).fill(null)),
        fc.array(fc.integer({ min: -max, max }).map((v) => v / scale), { minLength: n, maxLength: n }),
        fc.array(fc.option(fc.integer({ min: -max, max }).map((v) => v / scale), { nil: null, freq: 3 }), {
          minLength: n,
          maxLength: n,
        }),
      );
    return fc.record({
      t: fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: n, maxLength: n }),
      distanceM: channel(100, 2 ** 50),
      speedMps: channel(1000, 30_000),
      heartRate: channel(1, 250),
      cadence: channel(1, 250),
      altitudeM: channel(10, 90_000),
      powerW: channel(1, 2 ** 33),
    });
  });

  it('property: same streams from every blob, and the same error from every truncated or corrupted one', () => {
    fc.assert(
      fc.property(streamsArb, fc.nat(), fc.nat(255), (s: SampleStreams, cut, byte) => {
        const blob = encodeStreams(s);
        expect(decodeStreams(blob)).toEqual(referenceDecode(blob));
        const truncated = blob.subarray(0, blob.length === 0 ? 0 : cut % blob.length);
        expect(outcome(() => decodeStreams(truncated))).toEqual(outcome(() => referenceDecode(truncated)));
        const corrupted = blob.slice();
        if (corrupted.length > 0) corrupted[cut % corrupted.length] = byte;
        expect(outcome(() => decodeStreams(corrupted))).toEqual(outcome(() => referenceDecode(corrupted)));
      }),
      { numRuns: 300 },
    );
  });

  it('multi-byte varints and deltas beyond 32 bits', () => {
    const s: SampleStreams = {
      t: [0, 2 ** 40, 3, 2 ** 33 + 1],
      distanceM: [0, 2 ** 45 / 100, -(2 ** 45) / 100, 12.34],
      speedMps: [null, 1.234, null, 65.535],
      heartRate: [60, 250, 30, 127],
      cadence: [128, 0, 16_384, null],
      altitudeM: empty(4),
      powerW: [2 ** 31, -(2 ** 31), 2 ** 32 + 1, 0],
    };
    expect(decodeStreams(encodeStreams(s))).toEqual(s);
    expect(decodeStreams(encodeStreams(s))).toEqual(referenceDecode(encodeStreams(s)));
  });

  it('a fully present channel has no nulls, a channel with gaps keeps them where they were', () => {
    const s: SampleStreams = {
      t: [0, 1, 2, 3, 4, 5, 6, 7, 8],
      distanceM: [0, 1, 2, 3, 4, 5, 6, 7, 8.5],
      speedMps: [null, 1, null, null, 2, null, null, null, 3],
      heartRate: empty(9),
      cadence: empty(9),
      altitudeM: empty(9),
      powerW: empty(9),
    };
    const d = decodeStreams(encodeStreams(s));
    expect(d).toEqual(s);
    for (const ch of STREAM_CHANNELS) expect(d[ch]).toHaveLength(9);
  });
});

/** Runs `f`, turning a thrown error into its class name and message. */
function outcome<T>(f: () => T): T | { threw: string } {
  try {
    return f();
  } catch (e) {
    return { threw: e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e) };
  }
}

// The decoder before the hot-path rewrite, kept as the reference.

const REFERENCE_SCALE = { distanceM: 100, speedMps: 1000, heartRate: 1, cadence: 1, altitudeM: 10, powerW: 1 } as const;

class ReferenceReader {
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

function referenceDecode(data: Uint8Array): SampleStreams {
  const r = new ReferenceReader(data);
  const n = r.varint();
  const t: number[] = new Array<number>(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    prev += r.zigzag();
    t[i] = prev;
  }
  const out: SampleStreams = { t, distanceM: [], speedMps: [], heartRate: [], cadence: [], altitudeM: [], powerW: [] };
  for (const ch of STREAM_CHANNELS) out[ch] = referenceChannel(r, n, REFERENCE_SCALE[ch]);
  return out;
}

function referenceChannel(r: ReferenceReader, n: number, scale: number): (number | null)[] {
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
