/**
 * Fallback decoder for FIT `record` messages (global message number 20).
 *
 * Why this exists: `@garmin/fitsdk` (21.217.0) aborts on the first data message that uses a
 * compressed-timestamp record header ("compressed timestamp messages are not currently supported").
 * Older watches such as the Forerunner 70 write every record that way, so `Decoder.read()` returns
 * the session and laps but no samples. This module walks the FIT binary protocol directly and
 * extracts just the record fields Kinetic needs, including the FR70-era `compressed_speed_distance`
 * field. It never throws on damaged input: a truncated file yields the records read before the
 * damage, and integrity (CRC) checking is left to the caller.
 */

export interface FallbackRecord {
  /** Absolute UTC instant (FIT `date_time`, seconds since 1989-12-31T00:00:00Z). */
  timestamp: Date;
  /** bpm */
  heartRate: number | null;
  /** metres */
  distanceM: number | null;
  /** m/s; `enhanced_speed` over `speed` over the compressed speed */
  speedMps: number | null;
  /** rpm */
  cadence: number | null;
  /** metres; `enhanced_altitude` over `altitude` */
  altitudeM: number | null;
  /** watts */
  powerW: number | null;
}

const FIT_EPOCH_MS = Date.UTC(1989, 11, 31, 0, 0, 0);
const CRC_SIZE = 2;
const FIT_SIGNATURE = '.FIT';

const COMPRESSED_HEADER_FLAG = 0x80;
const DEFINITION_FLAG = 0x40;
const DEVELOPER_DATA_FLAG = 0x20;
const LOCAL_MESG_MASK = 0x0f;
const COMPRESSED_LOCAL_MESG_MASK = 0x03;
const TIME_OFFSET_MASK = 0x1f;
const BASE_TYPE_MASK = 0x1f;

const RECORD_MESG_NUM = 20;
const TIMESTAMP_FIELD = 253;

/** Record (message 20) field numbers, from the FIT profile. */
const RecordField = {
  altitude: 2,
  heartRate: 3,
  cadence: 4,
  distance: 5,
  speed: 6,
  power: 7,
  compressedSpeedDistance: 8,
  enhancedSpeed: 73,
  enhancedAltitude: 78,
} as const;

/** `compressed_speed_distance`: speed 12 bits in 1/100 m/s, then distance 12 bits in 1/16 m (rolling). */
const CSD_SPEED_SCALE = 100;
const CSD_DISTANCE_SCALE = 16;
const CSD_DISTANCE_MASK = 0xfff;

// ---------------------------------------------------------------------------------------------
// Base types
// ---------------------------------------------------------------------------------------------

type ElementReader = (view: DataView, at: number, littleEndian: boolean) => number | null;

interface BaseType {
  size: number;
  read: ElementReader;
}

function integer(
  size: number,
  get: (view: DataView, at: number, littleEndian: boolean) => number,
  invalid: number,
): BaseType {
  return {
    size,
    read: (view, at, le) => {
      const value = get(view, at, le);
      return value === invalid ? null : value;
    },
  };
}

function integer64(signed: boolean, invalid: bigint): BaseType {
  return {
    size: 8,
    read: (view, at, le) => {
      const value = signed ? view.getBigInt64(at, le) : view.getBigUint64(at, le);
      return value === invalid ? null : Number(value);
    },
  };
}

function float(size: 4 | 8): BaseType {
  return {
    size,
    read: (view, at, le) => {
      const allOnes = size === 4 ? view.getUint32(at, le) === 0xffffffff : view.getBigUint64(at, le) === 0xffffffffffffffffn;
      if (allOnes) return null;
      return size === 4 ? view.getFloat32(at, le) : view.getFloat64(at, le);
    },
  };
}

const u8 = (view: DataView, at: number): number => view.getUint8(at);
const s8 = (view: DataView, at: number): number => view.getInt8(at);
const u16 = (view: DataView, at: number, le: boolean): number => view.getUint16(at, le);
const s16 = (view: DataView, at: number, le: boolean): number => view.getInt16(at, le);
const u32 = (view: DataView, at: number, le: boolean): number => view.getUint32(at, le);
const s32 = (view: DataView, at: number, le: boolean): number => view.getInt32(at, le);

/** FIT base types keyed by base type number (the definition byte masked with 0x1F). Strings read as null. */
const BASE_TYPES: ReadonlyMap<number, BaseType> = new Map<number, BaseType>([
  [0x00, integer(1, u8, 0xff)], // enum
  [0x01, integer(1, s8, 0x7f)], // sint8
  [0x02, integer(1, u8, 0xff)], // uint8
  [0x03, integer(2, s16, 0x7fff)], // sint16
  [0x04, integer(2, u16, 0xffff)], // uint16
  [0x05, integer(4, s32, 0x7fffffff)], // sint32
  [0x06, integer(4, u32, 0xffffffff)], // uint32
  [0x07, { size: 1, read: () => null }], // string
  [0x08, float(4)], // float32
  [0x09, float(8)], // float64
  [0x0a, integer(1, u8, 0)], // uint8z
  [0x0b, integer(2, u16, 0)], // uint16z
  [0x0c, integer(4, u32, 0)], // uint32z
  [0x0d, integer(1, u8, 0xff)], // byte
  [0x0e, integer64(true, 0x7fffffffffffffffn)], // sint64
  [0x0f, integer64(false, 0xffffffffffffffffn)], // uint64
  [0x10, integer64(false, 0n)], // uint64z
]);

// ---------------------------------------------------------------------------------------------
// File structure
// ---------------------------------------------------------------------------------------------

interface FileHeader {
  dataStart: number;
  /** Offset one past the last data byte (where the file CRC starts), per the header's data size. */
  dataEnd: number;
}

interface FieldDefinition {
  num: number;
  size: number;
  baseType: number;
}

interface MessageDefinition {
  globalNum: number;
  littleEndian: boolean;
  fields: FieldDefinition[];
  /** Bytes of developer fields that follow the regular fields in each data message (skipped). */
  developerSize: number;
  /** Total size of a data message body, excluding the record header byte. */
  size: number;
}

interface DecodedField {
  value: number | null;
  bytes: Uint8Array;
}

type DecodedMessage = ReadonlyMap<number, DecodedField>;

interface DistanceAccumulator {
  /** Accumulated distance in 1/16 m. */
  total: number;
  /** Last 12-bit rolling value (or seeded full value), in 1/16 m. */
  last: number;
}

interface DecodeState {
  bytes: Uint8Array;
  view: DataView;
  /** Offset one past the last readable data byte. */
  end: number;
  definitions: Map<number, MessageDefinition>;
  lastTimestamp: number | null;
  distance: DistanceAccumulator | null;
  records: FallbackRecord[];
}

function readFileHeader(bytes: Uint8Array, offset: number): FileHeader | null {
  const headerSize = bytes[offset];
  if ((headerSize !== 12 && headerSize !== 14) || offset + headerSize > bytes.length) return null;
  const signature = String.fromCharCode(...bytes.subarray(offset + 8, offset + 12));
  if (signature !== FIT_SIGNATURE) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataStart = offset + headerSize;
  return { dataStart, dataEnd: dataStart + view.getUint32(offset + 4, true) };
}

/**
 * Decodes one FIT file's data section. Returns false when the data section was cut short
 * (truncated file or an undecodable record), so no chained file can follow.
 */
function decodeDataSection(bytes: Uint8Array, header: FileHeader, records: FallbackRecord[]): boolean {
  const state: DecodeState = {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    end: Math.min(header.dataEnd, bytes.length),
    definitions: new Map(),
    lastTimestamp: null,
    distance: null,
    records,
  };
  let position = header.dataStart;
  while (position < state.end) {
    const next = decodeRecord(state, position);
    if (next === null) return false;
    position = next;
  }
  return header.dataEnd + CRC_SIZE <= bytes.length;
}

/** Decodes the record (definition or data message) at `position`; returns the next position, or null if it cannot. */
function decodeRecord(state: DecodeState, position: number): number | null {
  const header = state.view.getUint8(position);
  if ((header & COMPRESSED_HEADER_FLAG) !== 0) {
    const localNum = (header >> 5) & COMPRESSED_LOCAL_MESG_MASK;
    return decodeDataMessage(state, position, localNum, header & TIME_OFFSET_MASK);
  }
  if ((header & DEFINITION_FLAG) !== 0) {
    return readDefinition(state, position, (header & DEVELOPER_DATA_FLAG) !== 0);
  }
  return decodeDataMessage(state, position, header & LOCAL_MESG_MASK, null);
}

function readDefinition(state: DecodeState, position: number, hasDeveloperFields: boolean): number | null {
  const { view, end } = state;
  const fixedEnd = position + 6;
  if (fixedEnd > end) return null;
  const littleEndian = view.getUint8(position + 2) === 0;
  const globalNum = view.getUint16(position + 3, littleEndian);
  const fieldCount = view.getUint8(position + 5);

  let cursor = fixedEnd + fieldCount * 3;
  if (cursor > end) return null;
  const fields: FieldDefinition[] = [];
  for (let at = fixedEnd; at < cursor; at += 3) {
    fields.push({ num: view.getUint8(at), size: view.getUint8(at + 1), baseType: view.getUint8(at + 2) & BASE_TYPE_MASK });
  }

  let developerSize = 0;
  if (hasDeveloperFields) {
    if (cursor + 1 > end) return null;
    const developerStart = cursor + 1;
    cursor = developerStart + view.getUint8(cursor) * 3;
    if (cursor > end) return null;
    for (let at = developerStart; at < cursor; at += 3) developerSize += view.getUint8(at + 1);
  }

  const size = fields.reduce((sum, field) => sum + field.size, developerSize);
  const localNum = view.getUint8(position) & LOCAL_MESG_MASK;
  state.definitions.set(localNum, { globalNum, littleEndian, fields, developerSize, size });
  return cursor;
}

function decodeDataMessage(
  state: DecodeState,
  position: number,
  localNum: number,
  timeOffset: number | null,
): number | null {
  const definition = state.definitions.get(localNum);
  const bodyStart = position + 1;
  if (definition === undefined || bodyStart + definition.size > state.end) return null;

  const message = readFields(state, bodyStart, definition);
  const timestamp = resolveTimestamp(state, message, timeOffset);
  if (definition.globalNum === RECORD_MESG_NUM) {
    const record = toRecord(state, message, timestamp);
    if (record !== null) state.records.push(record);
  }
  return bodyStart + definition.size;
}

function readFields(state: DecodeState, start: number, definition: MessageDefinition): DecodedMessage {
  const message = new Map<number, DecodedField>();
  let at = start;
  for (const field of definition.fields) {
    message.set(field.num, {
      value: readFirstElement(state.view, at, field, definition.littleEndian),
      bytes: state.bytes.subarray(at, at + field.size),
    });
    at += field.size;
  }
  return message;
}

/** Reads a field's value; for arrays the first element. Invalid values, strings and unknown types give null. */
function readFirstElement(view: DataView, at: number, field: FieldDefinition, littleEndian: boolean): number | null {
  const baseType = BASE_TYPES.get(field.baseType);
  if (baseType === undefined || field.size < baseType.size) return null;
  return baseType.read(view, at, littleEndian);
}

// ---------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------

/**
 * A compressed header carries the low 5 bits of the time; the rest comes from the last full
 * timestamp seen in any message. An explicit `timestamp` field always wins. Updates the state.
 */
function resolveTimestamp(state: DecodeState, message: DecodedMessage, timeOffset: number | null): number | null {
  const explicit = message.get(TIMESTAMP_FIELD)?.value ?? null;
  const timestamp = explicit ?? (timeOffset === null ? null : applyTimeOffset(state.lastTimestamp, timeOffset));
  if (timestamp !== null) state.lastTimestamp = timestamp;
  return timestamp;
}

function applyTimeOffset(lastTimestamp: number | null, timeOffset: number): number | null {
  if (lastTimestamp === null) return null;
  return lastTimestamp + ((timeOffset - (lastTimestamp & TIME_OFFSET_MASK)) & TIME_OFFSET_MASK);
}

function fitTimeToDate(seconds: number): Date {
  return new Date(FIT_EPOCH_MS + seconds * 1000);
}

// ---------------------------------------------------------------------------------------------
// Record fields
// ---------------------------------------------------------------------------------------------

function toRecord(state: DecodeState, message: DecodedMessage, timestamp: number | null): FallbackRecord | null {
  const compressed = unpackSpeedDistance(message.get(RecordField.compressedSpeedDistance)?.bytes);
  // Always resolve distance, even for a record without a time, so the rolling accumulator stays in step.
  const distanceM = resolveDistance(state, message, compressed?.distance ?? null);
  if (timestamp === null) return null;
  return {
    timestamp: fitTimeToDate(timestamp),
    heartRate: valueOf(message, RecordField.heartRate),
    distanceM,
    speedMps:
      scaled(valueOf(message, RecordField.enhancedSpeed), 1000) ??
      scaled(valueOf(message, RecordField.speed), 1000) ??
      scaled(compressed?.speed ?? null, CSD_SPEED_SCALE),
    cadence: valueOf(message, RecordField.cadence),
    altitudeM:
      scaled(valueOf(message, RecordField.enhancedAltitude), 5, 500) ??
      scaled(valueOf(message, RecordField.altitude), 5, 500),
    powerW: valueOf(message, RecordField.power),
  };
}

function valueOf(message: DecodedMessage, fieldNum: number): number | null {
  return message.get(fieldNum)?.value ?? null;
}

function scaled(raw: number | null, scale: number, offset = 0): number | null {
  return raw === null ? null : raw / scale - offset;
}

interface SpeedDistance {
  /** 1/100 m/s */
  speed: number;
  /** 12-bit rolling distance, 1/16 m */
  distance: number;
}

/** Splits the 3-byte `compressed_speed_distance` field (bits read least-significant first). */
function unpackSpeedDistance(bytes: Uint8Array | undefined): SpeedDistance | null {
  if (bytes === undefined || bytes.length < 3 || bytes.every((b) => b === 0xff)) return null;
  const b0 = bytes[0] ?? 0;
  const b1 = bytes[1] ?? 0;
  const b2 = bytes[2] ?? 0;
  return { speed: b0 | ((b1 & 0x0f) << 8), distance: (b1 >> 4) | (b2 << 4) };
}

/**
 * A full `distance` field wins and re-seeds the accumulator; otherwise the 12-bit rolling
 * compressed distance is accumulated across rollovers (seeded from its first value, like the SDK).
 */
function resolveDistance(state: DecodeState, message: DecodedMessage, rolling: number | null): number | null {
  const full = scaled(valueOf(message, RecordField.distance), 100);
  if (full !== null) {
    const sixteenths = Math.round(full * CSD_DISTANCE_SCALE);
    state.distance = { total: sixteenths, last: sixteenths };
    return full;
  }
  if (rolling === null) return null;
  state.distance = accumulate(state.distance, rolling);
  return state.distance.total / CSD_DISTANCE_SCALE;
}

function accumulate(accumulator: DistanceAccumulator | null, rolling: number): DistanceAccumulator {
  if (accumulator === null) return { total: rolling, last: rolling };
  return { total: accumulator.total + ((rolling - accumulator.last) & CSD_DISTANCE_MASK), last: rolling };
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/**
 * Decodes every `record` message that has a timestamp (explicit or compressed) from FIT bytes.
 * Chained FIT files are read in sequence. Never throws; damaged input yields the records read
 * before the damage.
 */
export function decodeRecordsFallback(bytes: Uint8Array): FallbackRecord[] {
  const records: FallbackRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const header = readFileHeader(bytes, offset);
    if (header === null || !decodeDataSection(bytes, header, records)) break;
    offset = header.dataEnd + CRC_SIZE;
  }
  return records;
}
