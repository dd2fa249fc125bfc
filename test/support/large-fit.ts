/**
 * A large FIT activity file, built byte by byte (the SDK's encoder would take minutes for millions of
 * records): a run recorded at 1 Hz for as many records as fit in `bytes` — 2.2 million, 26 days, in
 * 45 MB — with a session that covers them. Valid: header, file CRC, the profile's base types and scales.
 */
import { CrcCalculator } from '@garmin/fitsdk';

const FIT_EPOCH_S = 631_065_600;
const HEADER_SIZE = 14;
const RECORD_BYTES = 21;
/** Distance per record (1 s): 3 m/s. */
const STEP_M = 3;

export const LARGE_FIT_START = new Date(Date.UTC(2026, 0, 5, 6));

/** Bytes of a definition message: local number, global number and fields (number, size, base type). */
function definition(local: number, global: number, fields: [number, number, number][]): Buffer {
  const b = Buffer.alloc(6 + fields.length * 3);
  b.writeUInt8(0x40 | local, 0);
  b.writeUInt16LE(global, 3);
  b.writeUInt8(fields.length, 5);
  fields.forEach(([num, size, type], i) => b.set([num, size, type], 6 + i * 3));
  return b;
}

/** The file, and how many records it holds. */
export function largeRunFit(bytes: number, serial: number): { file: Buffer; records: number } {
  const t0 = Math.floor(LARGE_FIT_START.getTime() / 1000) - FIT_EPOCH_S;
  const fileIdDef = definition(0, 0, [
    [0, 1, 0x00],
    [1, 2, 0x84],
    [3, 4, 0x8c],
    [4, 4, 0x86],
  ]);
  const fileId = Buffer.alloc(12);
  fileId.writeUInt8(0x00, 0); // header of local message 0
  fileId.writeUInt8(4, 1); // activity
  fileId.writeUInt16LE(1, 2); // garmin
  fileId.writeUInt32LE(serial, 4);
  fileId.writeUInt32LE(t0, 8);
  // timestamp, heart rate, cadence, enhanced speed (mm/s), distance (cm), enhanced altitude (5 × m + 500), power
  const recordDef = definition(1, 20, [
    [253, 4, 0x86],
    [3, 1, 0x02],
    [4, 1, 0x02],
    [73, 4, 0x86],
    [5, 4, 0x86],
    [78, 4, 0x86],
    [7, 2, 0x84],
  ]);
  // timestamp, start time, total elapsed and timer time (ms), total distance (cm), sport, sub sport
  const sessionDef = definition(2, 18, [
    [253, 4, 0x86],
    [2, 4, 0x86],
    [7, 4, 0x86],
    [8, 4, 0x86],
    [9, 4, 0x86],
    [5, 1, 0x00],
    [6, 1, 0x00],
  ]);
  const sessionBytes = 1 + 22;
  const fixed = fileIdDef.length + fileId.length + recordDef.length + sessionDef.length + sessionBytes;
  const n = Math.max(2, Math.floor((bytes - HEADER_SIZE - fixed - 2) / RECORD_BYTES));
  const dataSize = fixed + n * RECORD_BYTES;
  const out = Buffer.alloc(HEADER_SIZE + dataSize + 2);
  out.writeUInt8(HEADER_SIZE, 0);
  out.writeUInt8(0x20, 1);
  out.writeUInt16LE(2132, 2);
  out.writeUInt32LE(dataSize, 4);
  out.write('.FIT', 8, 'latin1');
  out.writeUInt16LE(CrcCalculator.calculateCRC(out, 0, 12), 12);
  let at = HEADER_SIZE;
  const put = (b: Buffer): void => {
    b.copy(out, at);
    at += b.length;
  };
  put(fileIdDef);
  put(fileId);
  put(recordDef);
  for (let i = 0; i < n; i++) {
    out.writeUInt8(0x01, at);
    out.writeUInt32LE(t0 + i, at + 1);
    out.writeUInt8(140 + (i % 20), at + 5);
    out.writeUInt8(85 + (i % 5), at + 6);
    out.writeUInt32LE(3000, at + 7);
    out.writeUInt32LE((i * STEP_M * 100) % 0x1_0000_0000, at + 11);
    out.writeUInt32LE(2500 + (i % 50), at + 15);
    out.writeUInt16LE(240 + (i % 30), at + 19);
    at += RECORD_BYTES;
  }
  put(sessionDef);
  out.writeUInt8(0x02, at);
  out.writeUInt32LE(t0 + n - 1, at + 1);
  out.writeUInt32LE(t0, at + 5);
  out.writeUInt32LE((n - 1) * 1000, at + 9);
  out.writeUInt32LE((n - 1) * 1000, at + 13);
  out.writeUInt32LE(((n - 1) * STEP_M * 100) % 0x1_0000_0000, at + 17);
  out.writeUInt8(1, at + 21); // running
  out.writeUInt8(0, at + 22); // generic
  at += sessionBytes;
  out.writeUInt16LE(CrcCalculator.calculateCRC(out, 0, at), at);
  return { file: out, records: n };
}
