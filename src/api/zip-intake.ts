/**
 * FIT files out of a zip (a Garmin bulk export, or any zip of .fit files), read with yauzl from
 * memory, one entry at a time, with guards: nothing is written to disk, and an archive cannot make
 * the server read more than the limits below however it is built.
 *
 * - An entry larger than the per-file limit is skipped (its declared size is checked first, and
 *   yauzl checks the real size while inflating, so a lying header fails that entry).
 * - At most `maxTotalBytes` are inflated from one archive (nested ones included) and at most
 *   `maxEntries` entries are looked at; past that the rest is skipped and reported.
 * - A zip inside the zip is opened too (Garmin's export nests them), to `maxDepth` levels.
 * - Names with absolute paths or `..`, encrypted entries, macOS metadata (`__MACOSX/`) and anything not
 *   ending in `.fit` are skipped and reported, each with its reason.
 */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

export interface ZipLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
  maxDepth: number;
}

export interface SkippedFile {
  filename: string;
  reason: string;
}

export interface ExtractedFile {
  filename: string;
  bytes: Buffer;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];

/** True when the bytes start like a zip archive. */
export function looksLikeZip(bytes: Uint8Array): boolean {
  const starts = (magic: number[]): boolean => magic.every((b, i) => bytes[i] === b);
  return bytes.length >= 4 && (starts(ZIP_MAGIC) || starts(EMPTY_ZIP_MAGIC));
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 2 ** 20) * 10) / 10} MB`;
}

async function readAll(stream: Readable, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    const c = chunk as Buffer;
    n += c.length;
    if (n > cap) {
      stream.destroy();
      throw new Error(`inflates to more than ${mib(cap)}`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** The bytes are not a zip yauzl can read (or its directory breaks off part-way). */
export class ZipReadError extends Error {
  override name = 'ZipReadError';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface Budget {
  bytes: number;
  entries: number;
}

/**
 * Yields every .fit file in the archive (and in archives inside it); pushes what it skips onto
 * `skipped`. Throws ZipReadError when `bytes` is not a readable zip.
 */
export async function* fitFilesInZip(
  bytes: Buffer,
  zipName: string,
  limits: ZipLimits,
  skipped: SkippedFile[],
  depth = 1,
  budget: Budget = { bytes: limits.maxTotalBytes, entries: limits.maxEntries },
): AsyncGenerator<ExtractedFile> {
  const zip = await yauzl.fromBufferPromise(bytes, { decodeStrings: false, validateEntrySizes: true }).catch((err: unknown) => {
    throw new ZipReadError(messageOf(err));
  });
  const entries = zip.eachEntry();
  try {
    for (;;) {
      const next = await entries.next().catch((err: unknown) => {
        throw new ZipReadError(messageOf(err));
      });
      if (next.done === true) break;
      const entry = next.value;
      const raw = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const filename = `${zipName}/${raw}`;
      if (raw.endsWith('/')) continue; // a directory
      if (budget.entries <= 0) {
        skipped.push({ filename: `${zipName}/…`, reason: `the archive has more than ${limits.maxEntries} entries: the rest was not read` });
        return;
      }
      budget.entries--;
      const unsafe = yauzl.validateFileName(raw);
      if (unsafe !== null) {
        skipped.push({ filename, reason: `unsafe path in the archive (${unsafe})` });
        continue;
      }
      const lower = raw.toLowerCase();
      const base = lower.split('/').at(-1) ?? lower;
      if (lower.startsWith('__macosx/') || base.startsWith('._')) {
        skipped.push({ filename, reason: 'macOS metadata, not a FIT file' });
        continue;
      }
      const nested = lower.endsWith('.zip');
      if (!nested && !lower.endsWith('.fit')) {
        skipped.push({ filename, reason: 'not a .fit file' });
        continue;
      }
      if (nested && depth >= limits.maxDepth) {
        skipped.push({ filename, reason: `zip nested more than ${limits.maxDepth} levels deep: not opened` });
        continue;
      }
      if (entry.isEncrypted() || !entry.canDecodeFileData()) {
        skipped.push({ filename, reason: entry.isEncrypted() ? 'encrypted entry' : 'unsupported compression method' });
        continue;
      }
      const cap = nested ? Math.min(budget.bytes, limits.maxTotalBytes) : limits.maxEntryBytes;
      if (entry.uncompressedSize > cap) {
        skipped.push({
          filename,
          reason: nested ? `nested archive of ${mib(entry.uncompressedSize)} exceeds what is left of the ${mib(limits.maxTotalBytes)} budget` : `larger than the ${mib(limits.maxEntryBytes)} limit per file`,
        });
        continue;
      }
      if (entry.uncompressedSize > budget.bytes) {
        skipped.push({ filename, reason: `the archive expands to more than ${mib(limits.maxTotalBytes)}: the rest was not read` });
        return;
      }
      let data: Buffer;
      try {
        data = await readAll(await zip.openReadStreamPromise(entry), Math.min(cap, budget.bytes));
      } catch (err) {
        skipped.push({ filename, reason: `cannot be read from the archive: ${messageOf(err)}` });
        continue;
      }
      budget.bytes -= data.length;
      if (!nested) {
        yield { filename, bytes: data };
        continue;
      }
      try {
        yield* fitFilesInZip(data, filename, limits, skipped, depth + 1, budget);
      } catch (err) {
        if (!(err instanceof ZipReadError)) throw err;
        skipped.push({ filename, reason: `not a readable zip: ${err.message}` });
      }
    }
  } finally {
    zip.close();
  }
}
