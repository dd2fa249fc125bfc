/**
 * The upload of issue #17 item 5, rebuilt: a small zip (~230 kB) of five FIT files of 45 MB each. Each
 * file is valid (header, CRCs) and holds a file id and millions of identical records, so it deflates
 * about 1,000 to 1 and costs the decoder minutes. Nothing is downloaded.
 */
import { CrcCalculator } from '@garmin/fitsdk';
import yazl from 'yazl';

const FIT_EPOCH_S = 631_065_600;
const HEADER_SIZE = 14;

function crc(buf: Uint8Array, start: number, end: number): number {
  return CrcCalculator.calculateCRC(buf, start, end);
}

/**
 * A FIT activity file of about `bytes` bytes: a file id (serial number `serial`, so that each file is a
 * new upload) and records of 21 bytes (timestamp, heart rate, cadence, speed, distance, altitude,
 * power), all the same.
 */
export function bigFit(bytes: number, serial: number): Buffer {
  const fileIdDef = [0x40, 0, 0, 0, 0, 4, 0, 1, 0x00, 1, 2, 0x84, 3, 4, 0x8c, 4, 4, 0x86];
  const time = Math.floor(Date.UTC(2025, 5, 1, 6) / 1000) - FIT_EPOCH_S;
  const fileId = Buffer.alloc(1 + 1 + 2 + 4 + 4);
  fileId.writeUInt8(0x00, 0);
  fileId.writeUInt8(4, 1); // activity
  fileId.writeUInt16LE(1, 2); // garmin
  fileId.writeUInt32LE(serial, 4);
  fileId.writeUInt32LE(time, 8);
  const recordDef = [0x41, 0, 0, 20, 0, 7, 253, 4, 0x86, 3, 1, 0x02, 4, 1, 0x02, 73, 4, 0x86, 5, 4, 0x86, 78, 4, 0x86, 7, 2, 0x84];
  const record = Buffer.alloc(21);
  record.writeUInt8(0x01, 0);
  record.writeUInt32LE(time, 1);
  record.writeUInt8(140, 5);
  record.writeUInt8(85, 6);
  record.writeUInt32LE(3000, 7);
  record.writeUInt32LE(100_000, 11);
  record.writeUInt32LE(2600, 15);
  record.writeUInt16LE(250, 19);
  const head = fileIdDef.length + fileId.length + recordDef.length;
  const n = Math.max(1, Math.floor((bytes - HEADER_SIZE - head - 2) / record.length));
  const dataSize = head + n * record.length;
  const out = Buffer.alloc(HEADER_SIZE + dataSize + 2);
  out.writeUInt8(HEADER_SIZE, 0);
  out.writeUInt8(0x20, 1);
  out.writeUInt16LE(2132, 2);
  out.writeUInt32LE(dataSize, 4);
  out.write('.FIT', 8, 'latin1');
  out.writeUInt16LE(crc(out, 0, 12), 12);
  let at = HEADER_SIZE;
  for (const part of [Buffer.from(fileIdDef), fileId, Buffer.from(recordDef)]) {
    part.copy(out, at);
    at += part.length;
  }
  // Doubling copies: 45 MB of records in a few copies instead of two million.
  record.copy(out, at);
  let filled = record.length;
  const total = n * record.length;
  while (filled < total) {
    const len = Math.min(filled, total - filled);
    out.copy(out, at + filled, at, at + len);
    filled += len;
  }
  out.writeUInt16LE(crc(out, 0, HEADER_SIZE + dataSize), HEADER_SIZE + dataSize);
  return out;
}

/** A zip (deflated, maximum compression) of `count` such files of `bytes` each. */
export async function bigFitZip(count: number, bytes: number): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (let i = 0; i < count; i++) zip.addBuffer(bigFit(bytes, 3_990_000_001 + i), `big-${i + 1}.fit`, { compress: true, compressionLevel: 9 });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
