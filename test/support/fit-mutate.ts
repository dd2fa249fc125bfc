/**
 * Deterministic mutants of FIT files, for fuzzing the import (bench/fuzz-fit.ts,
 * test/integration/fit-fuzz.test.ts). Mutant `index` of run `seed` is always the same bytes: its
 * random numbers come from a PRNG seeded with both (no Math.random), so a mutant named in a report
 * is made again by `mutant(seeds, seed, index)` alone.
 *
 * The mutator knows the FIT layout well enough to aim: it splits a file into its chained parts and
 * each part into header, data and CRC, walks the data's record headers to find every definition
 * message (and, with the definitions, how long each data message is), and damages what a decoder
 * trusts — header size and data size, a definition's field count, field sizes, base types,
 * architecture, global message number, record headers, whole records duplicated, repeated, moved or
 * removed — as well as plain bit flips, byte overwrites and truncations.
 *
 * Most random damage is caught by the CRC check and never reaches the decoder, so by default a
 * mutant is *re-closed* like a buggy tool would: its data size and both CRCs are written for the
 * damaged bytes. `crc` keeps the (possibly inflated) declared data size but writes CRCs where the
 * decoder looks for them; `raw` keeps the original size and CRCs (the CRC check's own path).
 */
import { CrcCalculator } from '@garmin/fitsdk';

// ---------------------------------------------------------------------------------------------
// Random numbers

/** A seeded PRNG (mulberry32): uniform 32-bit integers, the same sequence for the same seed. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** One of `items`, each as likely as its weight. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let at = (this.u32() / 0x1_0000_0000) * total;
    for (const [item, w] of items) {
      if (at < w) return item;
      at -= w;
    }
    return items[items.length - 1]![0];
  }
}

/** The PRNG of one mutant: the run's seed and the mutant's index mixed (splitmix32 finaliser). */
export function mutantRng(seed: number, index: number): Rng {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index >>> 0, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return new Rng((h ^ (h >>> 16)) >>> 0);
}

// ---------------------------------------------------------------------------------------------
// FIT layout

const FIT_SIGNATURE = [0x2e, 0x46, 0x49, 0x54]; // ".FIT"
const CRC_SIZE = 2;

/** One record in a part's data: offsets are within the data (after the header). */
export interface RecordSpan {
  offset: number;
  length: number;
  kind: 'definition' | 'data' | 'compressed';
  /** Local message type. */
  local: number;
  /** Definitions: where the field count byte is, how many fields, where their 3-byte definitions start. */
  fieldCountAt?: number;
  fieldCount?: number;
  /** Definitions with developer fields: where their count byte is. */
  devCountAt?: number;
}

/** A FIT file of a chain: its header, data and trailing CRC as bytes of their own. */
export interface FitPart {
  header: Uint8Array;
  data: Uint8Array;
  /** The bytes after the data where the CRC belongs (0–2 bytes: a cut file may have none). */
  crc: Uint8Array;
}

/**
 * Splits bytes into their chained FIT files by each header's declared size, like the decoder does;
 * a part cut short keeps what there is. Bytes that start no FIT header end the split (returned as
 * `rest`).
 */
export function splitParts(bytes: Uint8Array): { parts: FitPart[]; rest: Uint8Array } {
  const parts: FitPart[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const headerSize = bytes[offset] === 12 ? 12 : bytes[offset] === 14 ? 14 : 0;
    const signed = headerSize > 0 && FIT_SIGNATURE.every((b, k) => bytes[offset + 8 + k] === b);
    if (!signed || offset + headerSize > bytes.length) break;
    const dataSize = new DataView(bytes.buffer, bytes.byteOffset + offset, headerSize).getUint32(4, true);
    const dataEnd = Math.min(bytes.length, offset + headerSize + dataSize);
    const crcEnd = Math.min(bytes.length, dataEnd + CRC_SIZE);
    parts.push({
      header: bytes.slice(offset, offset + headerSize),
      data: bytes.slice(offset + headerSize, dataEnd),
      crc: bytes.slice(dataEnd, crcEnd),
    });
    offset = crcEnd;
  }
  return { parts, rest: bytes.slice(offset) };
}

/**
 * The records of a part's data, read by their headers: a definition's length from its field counts,
 * a data message's from its local type's definition. Stops at the first record it cannot place (a
 * data message of an undefined local type, a record running past the end): what follows is data too,
 * but not known to be records.
 */
export function recordsOf(data: Uint8Array): RecordSpan[] {
  const sizes = new Map<number, number>();
  const out: RecordSpan[] = [];
  let pos = 0;
  while (pos < data.length) {
    const h = data[pos]!;
    if ((h & 0x80) !== 0) {
      const local = (h >> 5) & 0x03;
      const size = sizes.get(local);
      if (size === undefined || pos + 1 + size > data.length) break;
      out.push({ offset: pos, length: 1 + size, kind: 'compressed', local });
      pos += 1 + size;
      continue;
    }
    const local = h & 0x0f;
    if ((h & 0x40) === 0) {
      const size = sizes.get(local);
      if (size === undefined || pos + 1 + size > data.length) break;
      out.push({ offset: pos, length: 1 + size, kind: 'data', local });
      pos += 1 + size;
      continue;
    }
    const fieldCountAt = pos + 5;
    const fieldCount = data[fieldCountAt];
    if (fieldCount === undefined) break;
    let length = 6 + 3 * fieldCount;
    let size = 0;
    for (let k = 0; k < fieldCount; k++) size += data[pos + 6 + 3 * k + 1] ?? 0;
    let devCountAt: number | undefined;
    if ((h & 0x20) !== 0) {
      devCountAt = pos + length;
      const devCount = data[devCountAt] ?? 0;
      for (let k = 0; k < devCount; k++) size += data[devCountAt + 1 + 3 * k + 1] ?? 0;
      length += 1 + 3 * devCount;
    }
    if (pos + length > data.length) break;
    sizes.set(local, size);
    out.push({ offset: pos, length, kind: 'definition', local, fieldCountAt, fieldCount, ...(devCountAt === undefined ? {} : { devCountAt }) });
    pos += length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutations

/** How a mutant's CRCs are written (see the module comment). */
export type CrcMode = 'reclose' | 'crc' | 'raw';

/** A part being mutated: its bytes, and what the mutations fixed that closing must not undo. */
interface Work {
  header: Uint8Array;
  data: Uint8Array;
  crc: Uint8Array;
  /** The header's data size was set on purpose (inflated or shrunk): closing keeps it. */
  keepDataSize: boolean;
  /** The header's CRC was set on purpose. */
  keepHeaderCrc: boolean;
}

/** FIT base types (the profile's), and bytes that are not one. */
const BASE_TYPES = [0x00, 0x01, 0x02, 0x83, 0x84, 0x85, 0x86, 0x07, 0x88, 0x89, 0x0a, 0x8b, 0x8c, 0x0d, 0x8e, 0x8f, 0x90, 0x11, 0xff, 0x55];
/** Global message numbers worth becoming: file_id, session, lap, record, event, activity, hr, set, sport, device_info, developer_data_id, field_description. */
const GLOBAL_MESSAGES = [0, 18, 19, 20, 21, 34, 132, 225, 12, 23, 207, 206];
/** Field numbers worth becoming: timestamp, message_index, start_time, and the first few of every message. */
const FIELD_NUMBERS = [253, 254, 2, 0, 1, 3, 4, 5, 7, 8, 9, 250];
/** Byte values that break assumptions: invalid markers, sign bits, small sizes. */
const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0xfe, 0x01, 0x40, 0x20, 0x0e, 0x0c];
/** At most this many bytes added by one mutation (so a repeat cannot make a 1 MB file 100 MB). */
const MAX_GROWTH = 256 * 1024;

type Op = (w: Work, r: Rng) => string | null;

function setData(w: Work, data: Uint8Array): void {
  w.data = data;
}

function splice(data: Uint8Array, at: number, remove: number, insert: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(data.length - remove + insert.length);
  out.set(data.subarray(0, at));
  out.set(insert, at);
  out.set(data.subarray(at + remove), at + insert.length);
  return out;
}

/** A position in the data: anywhere, or (half the time, when there are some) inside a definition. */
function position(w: Work, r: Rng): number {
  const defs = recordsOf(w.data).filter((s) => s.kind === 'definition');
  if (defs.length > 0 && r.chance(0.5)) {
    const d = r.pick(defs);
    return d.offset + r.int(d.length);
  }
  return r.int(w.data.length);
}

function pickDefinition(w: Work, r: Rng, withFields = false): RecordSpan | null {
  const defs = recordsOf(w.data).filter((s) => s.kind === 'definition' && (!withFields || (s.fieldCount ?? 0) > 0));
  return defs.length === 0 ? null : r.pick(defs);
}

/** Where a field definition (3 bytes: number, size, base type) of `def` starts. */
function fieldAt(def: RecordSpan, r: Rng): number {
  return def.offset + 6 + 3 * r.int(def.fieldCount ?? 0);
}

const OPS: ReadonlyArray<readonly [string, Op, number]> = [
  [
    'flip',
    (w, r) => {
      if (w.data.length === 0) return null;
      const n = r.range(1, 8);
      const at: number[] = [];
      for (let k = 0; k < n; k++) {
        const p = position(w, r);
        w.data[p]! ^= 1 << r.int(8);
        at.push(p);
      }
      return `flip@${at.join('.')}`;
    },
    14,
  ],
  [
    'overwrite',
    (w, r) => {
      if (w.data.length === 0) return null;
      const p = position(w, r);
      const n = Math.min(r.range(1, 16), w.data.length - p);
      const value = r.chance(0.5) ? r.pick(INTERESTING_BYTES) : -1;
      for (let k = 0; k < n; k++) w.data[p + k] = value >= 0 ? value : r.int(256);
      return `overwrite@${p}x${n}${value >= 0 ? `=${value}` : ''}`;
    },
    8,
  ],
  [
    'truncate',
    (w, r) => {
      if (w.data.length === 0) return null;
      const records = recordsOf(w.data);
      const atRecord = records.length > 1 && r.chance(0.5);
      const at = atRecord ? r.pick(records).offset : r.int(w.data.length);
      setData(w, w.data.slice(0, at));
      return `truncate@${at}${atRecord ? 'r' : ''}`;
    },
    8,
  ],
  [
    'data-size',
    (w, r) => {
      const n = w.data.length;
      const size = r.weighted<number>([
        [n + r.range(1, 16), 3],
        [n * 2 + 1, 1],
        [0xffffffff, 1],
        [0x7fffffff, 1],
        [Math.max(0, n - r.range(1, 64)), 2],
        [0, 1],
      ]);
      new DataView(w.header.buffer, w.header.byteOffset).setUint32(4, size, true);
      w.keepDataSize = true;
      return `data-size=${size}`;
    },
    5,
  ],
  [
    'header-size',
    (w, r) => {
      const size = r.pick([w.header.length === 14 ? 12 : 14, 0, 13, 15, 255, r.int(256)]);
      w.header[0] = size;
      return `header-size=${size}`;
    },
    2,
  ],
  [
    'header-version',
    (w, r) => {
      const at = r.pick([1, 2, 3]);
      const value = r.pick([0x00, 0xff, 0x20, 0x10, r.int(256)]);
      w.header[at] = value;
      return `header-byte${at}=${value}`;
    },
    2,
  ],
  [
    'header-crc',
    (w, r) => {
      if (w.header.length < 14) return null;
      const zero = r.chance(0.5);
      w.header[12] = zero ? 0 : r.int(256);
      w.header[13] = zero ? 0 : r.int(256);
      w.keepHeaderCrc = true;
      return zero ? 'header-crc=0' : 'header-crc=junk';
    },
    1,
  ],
  [
    'field-size',
    (w, r) => {
      const def = pickDefinition(w, r, true);
      if (def === null) return null;
      const at = fieldAt(def, r) + 1;
      const old = w.data[at]!;
      const size = r.pick([255, old * 2, old + 1, Math.max(0, old - 1), 0, r.int(256)]) & 0xff;
      w.data[at] = size;
      return `field-size@${at}=${size}`;
    },
    10,
  ],
  [
    'field-count',
    (w, r) => {
      const def = pickDefinition(w, r);
      if (def?.fieldCountAt === undefined) return null;
      const old = def.fieldCount ?? 0;
      const count = r.pick([255, old + 1, old * 2, 0, Math.max(0, old - 1), r.int(256)]) & 0xff;
      w.data[def.fieldCountAt] = count;
      return `field-count@${def.fieldCountAt}=${count}`;
    },
    8,
  ],
  [
    'base-type',
    (w, r) => {
      const def = pickDefinition(w, r, true);
      if (def === null) return null;
      const at = fieldAt(def, r) + 2;
      const type = r.pick(BASE_TYPES);
      w.data[at] = type;
      return `base-type@${at}=${type}`;
    },
    8,
  ],
  [
    'field-number',
    (w, r) => {
      const def = pickDefinition(w, r, true);
      if (def === null) return null;
      const at = fieldAt(def, r);
      const num = r.chance(0.7) ? r.pick(FIELD_NUMBERS) : r.int(256);
      w.data[at] = num;
      return `field-number@${at}=${num}`;
    },
    5,
  ],
  [
    'global',
    (w, r) => {
      const def = pickDefinition(w, r);
      if (def === null) return null;
      const num = r.chance(0.8) ? r.pick(GLOBAL_MESSAGES) : r.int(0x10000);
      const big = w.data[def.offset + 2] === 1;
      new DataView(w.data.buffer, w.data.byteOffset).setUint16(def.offset + 3, num, !big);
      return `global@${def.offset}=${num}`;
    },
    6,
  ],
  [
    'architecture',
    (w, r) => {
      const def = pickDefinition(w, r);
      if (def === null) return null;
      const value = r.pick([1, 0, 2, 255]);
      w.data[def.offset + 2] = value;
      return `architecture@${def.offset}=${value}`;
    },
    3,
  ],
  [
    'dev-flag',
    (w, r) => {
      const def = pickDefinition(w, r);
      if (def === null) return null;
      w.data[def.offset]! ^= 0x20;
      return `dev-flag@${def.offset}`;
    },
    3,
  ],
  [
    'record-header',
    (w, r) => {
      const records = recordsOf(w.data);
      if (records.length === 0) return null;
      const rec = r.pick(records);
      const value = r.weighted<number>([
        [0x80 | (r.int(4) << 5) | r.int(32), 3], // compressed timestamp
        [r.int(16), 2], // data message of another local type
        [0x40 | r.int(16), 2], // a definition
        [r.int(256), 1],
      ]);
      w.data[rec.offset] = value;
      return `record-header@${rec.offset}=${value}`;
    },
    6,
  ],
  [
    'duplicate',
    (w, r) => {
      const records = recordsOf(w.data);
      if (records.length === 0) return null;
      const defs = records.filter((s) => s.kind === 'definition');
      const rec = defs.length > 0 && r.chance(0.4) ? r.pick(defs) : r.pick(records);
      const to = r.chance(0.5) ? rec.offset + rec.length : r.pick(records).offset;
      setData(w, splice(w.data, to, 0, w.data.slice(rec.offset, rec.offset + rec.length)));
      return `duplicate@${rec.offset}to${to}`;
    },
    5,
  ],
  [
    'repeat',
    (w, r) => {
      const records = recordsOf(w.data).filter((s) => s.kind !== 'definition');
      if (records.length === 0) return null;
      const rec = r.pick(records);
      const times = Math.min(r.pick([10, 100, 1000, 5000]), Math.floor(MAX_GROWTH / rec.length));
      const copy = w.data.slice(rec.offset, rec.offset + rec.length);
      const block = new Uint8Array(copy.length * times);
      for (let k = 0; k < times; k++) block.set(copy, k * copy.length);
      setData(w, splice(w.data, rec.offset + rec.length, 0, block));
      return `repeat@${rec.offset}x${times}`;
    },
    3,
  ],
  [
    'remove',
    (w, r) => {
      const records = recordsOf(w.data);
      if (records.length === 0) return null;
      const defs = records.filter((s) => s.kind === 'definition');
      const rec = defs.length > 0 && r.chance(0.5) ? r.pick(defs) : r.pick(records);
      setData(w, splice(w.data, rec.offset, rec.length));
      return `remove@${rec.offset}`;
    },
    5,
  ],
  [
    'move',
    (w, r) => {
      const records = recordsOf(w.data);
      if (records.length < 2) return null;
      const rec = r.pick(records);
      const bytes = w.data.slice(rec.offset, rec.offset + rec.length);
      const without = splice(w.data, rec.offset, rec.length);
      const targets = recordsOf(without);
      const to = targets.length === 0 ? 0 : r.pick(targets).offset;
      setData(w, splice(without, to, 0, bytes));
      return `move@${rec.offset}to${to}`;
    },
    3,
  ],
  [
    'insert',
    (w, r) => {
      const n = r.range(1, 32);
      const bytes = Uint8Array.from({ length: n }, () => (r.chance(0.5) ? r.pick(INTERESTING_BYTES) : r.int(256)));
      const at = position(w, r);
      setData(w, splice(w.data, at, 0, bytes));
      return `insert@${at}x${n}`;
    },
    3,
  ],
];

/** Ops per mutant: mostly one, so that a finding points at its cause. */
const OP_COUNTS: ReadonlyArray<readonly [number, number]> = [
  [1, 60],
  [2, 25],
  [3, 15],
];

const CRC_MODES: ReadonlyArray<readonly [CrcMode, number]> = [
  ['reclose', 80],
  ['crc', 10],
  ['raw', 10],
];

function crcBytes(bytes: Uint8Array): Uint8Array {
  const crc = CrcCalculator.calculateCRC(bytes, 0, bytes.length);
  return Uint8Array.of(crc & 0xff, crc >> 8);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A mutated part as bytes. `reclose`: data size = the data's length (unless a mutation set it) and
 * CRCs for the bytes as they are now; `crc`: the declared data size kept, CRCs written where the
 * decoder reads them (a data size that now ends early gets its CRC there, and the rest trails after);
 * `raw`: the original header fields and CRC.
 */
function close(w: Work, mode: CrcMode): Uint8Array {
  const header = w.header.slice();
  const view = new DataView(header.buffer);
  if (mode === 'raw') return concat([header, w.data, w.crc]);
  if (mode === 'reclose' && !w.keepDataSize && header.length >= 8) view.setUint32(4, w.data.length, true);
  if (header.length >= 14 && !w.keepHeaderCrc) view.setUint16(12, CrcCalculator.calculateCRC(header, 0, 12), true);
  const body = concat([header, w.data]);
  // Where the decoder expects the file CRC: after the header size and data size the header declares.
  const declaredHeader = header[0] === 12 || header[0] === 14 ? header[0] : header.length;
  const declaredEnd = declaredHeader + view.getUint32(4, true);
  if (declaredEnd < body.length) {
    const closed = body.subarray(0, declaredEnd);
    return concat([closed, crcBytes(closed), body.subarray(declaredEnd), crcBytes(body)]);
  }
  return concat([body, crcBytes(body)]);
}

export interface MutationSeed {
  /** Short name for file names and reports: `fr110`, `fenix2-1mb`. */
  name: string;
  bytes: Uint8Array;
  /** How often it is picked, relative to the others. */
  weight: number;
}

export interface Mutant {
  seed: number;
  index: number;
  /** The seed file mutated. */
  from: string;
  /** The mutations applied, in order, and the CRC mode: `field-size@312=255+truncate@1000 reclose`. */
  mutation: string;
  bytes: Uint8Array;
}

/**
 * Mutant `index` of run `seed`: a seed file picked by weight, one to three mutations applied to one
 * of its chained parts (sometimes the part is then chained after itself), then closed.
 */
export function mutant(seeds: readonly MutationSeed[], seed: number, index: number): Mutant {
  const r = mutantRng(seed, index);
  const from = r.weighted(seeds.map((s) => [s, s.weight] as const));
  const { parts, rest } = splitParts(from.bytes);
  const mode = r.weighted(CRC_MODES);
  const steps: string[] = [];
  let bytes: Uint8Array;
  if (parts.length === 0) {
    // Not FIT at all: plain byte damage.
    const data = from.bytes.slice();
    if (data.length > 0) data[r.int(data.length)]! ^= 1 << r.int(8);
    steps.push('flip');
    bytes = data;
  } else {
    const target = r.int(parts.length);
    const p = parts[target]!;
    const w: Work = { header: p.header.slice(), data: p.data.slice(), crc: p.crc.slice(), keepDataSize: false, keepHeaderCrc: false };
    const count = r.weighted(OP_COUNTS);
    for (let tries = 0; steps.length < count && tries < 20; tries++) {
      const [, op] = r.weighted(OPS.map((o) => [o, o[2]] as const));
      const step = op(w, r);
      if (step !== null) steps.push(step);
    }
    const closed = close(w, mode);
    const chain = r.chance(0.03);
    if (chain) steps.push('chained-twice');
    const out = parts.map((part, k) => (k === target ? closed : concat([part.header, part.data, part.crc])));
    if (chain) out.splice(target + 1, 0, closed);
    bytes = concat([...out, rest]);
  }
  return { seed, index, from: from.name, mutation: `${steps.join('+')} ${mode}`, bytes };
}

/** A file name that says how to make the mutant again: `s7-m000123-fr110-field-size@312=255-reclose.fit`. */
export function mutantFileName(m: Mutant): string {
  const what = `${m.from}-${m.mutation}`.replace(/[^A-Za-z0-9@=.+-]+/g, '-').slice(0, 120);
  return `s${m.seed}-m${String(m.index).padStart(6, '0')}-${what}.fit`;
}
