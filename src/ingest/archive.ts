/**
 * Activity files out of what people export, shared by `kinetic import` (files on disk) and the upload
 * API (files in memory): FIT files as they are, gzipped (`.fit.gz`, Strava's bulk export), and zips of
 * them (Garmin Connect's "export your data" nests zips of FIT files; Strava's export has
 * `activities/*.fit.gz` beside GPX and TCX files). Everything else gets a reason, so that every file a
 * runner hands over is accounted for: Kinetic reads FIT only, and says so instead of ignoring a GPX.
 *
 * Zips are read with yauzl one entry at a time from a file on disk or a buffer (the central directory
 * and each entry are read from the file, so a multi-gigabyte export never sits in memory), with
 * guards, so that no archive can make Kinetic read more than the limits however it is built:
 *
 * - An entry larger than the per-file limit is not read (its declared size is checked first, and yauzl
 *   checks the real size while inflating, so a lying header fails that entry); a gzip is cut off at the
 *   per-file limit while it inflates. An entry is read into one buffer of its size, never more.
 * - At most `maxTotalBytes` are inflated in all (nested zips and gzips inside, and what is inflated from
 *   them, every level counted) and at most `maxEntries` entries are looked at; past that the rest is
 *   reported unread (`over-limit`). The caller may share one budget between several archives (the API:
 *   one per request).
 * - A zip inside the zip is opened too (Garmin's export nests them), to `maxDepth` levels. It is
 *   streamed into a temporary file (removed afterwards) that yauzl reads like any other: never held in
 *   memory, whatever its size.
 * - Names with absolute paths or `..`, and encrypted entries, are reported and never read.
 * - `onZip` sees each zip's directory (how many entries, FIT files and bytes) before anything in it is
 *   inflated, and may refuse it by throwing.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';

export interface ArchiveLimits {
  /** Largest file taken from an archive (inflated), the per-file upload limit. */
  maxEntryBytes: number;
  /** Bytes inflated from one archive in all, nested archives and gzips included. */
  maxTotalBytes: number;
  maxEntries: number;
  maxDepth: number;
  /** Where nested zips are streamed to (a folder that exists); default: a new folder in the system's temporary folder. */
  tempDir?: string;
  /**
   * Called with each zip's directory before anything in it is inflated (the top one and every nested
   * one); throwing refuses the zip: the error comes out of `readZip` as it is.
   */
  onZip?: (zip: ZipDirectory) => void;
}

/** What a zip's central directory says it holds (read before inflating anything). */
export interface ZipDirectory {
  /** `<zipName>` as given to readZip (for a nested zip, `<outer>/<path of the nested zip>`). */
  path: string;
  /** Entries that are not folders. */
  entries: number;
  /**
   * Entries named `.fit` or `.fit.gz` that would be read: the files that would be imported (not those
   * over the per-file limit, encrypted or with unsafe names, nor macOS metadata).
   */
  fitFiles: number;
  /** Their declared sizes (a `.fit.gz` counts its compressed size: what it inflates to is known only then). */
  fitBytes: number;
  /** Zips inside that would be opened (what they hold is counted when they are). */
  zips: number;
  /** The declared sizes of everything that would be inflated: the FIT files, gzips and zips inside. */
  inflateBytes: number;
}

/**
 * A legitimate export inflates to a few times its size (FIT compresses about 3:1, JSON more); a zip
 * bomb to thousands of times. So the budget of one archive is this many times its size (or the
 * per-file limit, for small archives).
 */
export const ARCHIVE_EXPANSION = 20;

/** Entries looked at in one archive: Strava's and Garmin's exports of a decade hold tens of thousands. */
export const ARCHIVE_MAX_ENTRIES = 200_000;

/** Zip levels opened: Garmin's export is a zip of zips (two levels). */
export const ARCHIVE_MAX_DEPTH = 2;

/** The limits for reading an archive of `archiveBytes` with `maxFileBytes` per file (KINETIC_MAX_UPLOAD_BYTES). */
export function archiveLimits(maxFileBytes: number, archiveBytes: number, maxEntries = ARCHIVE_MAX_ENTRIES): ArchiveLimits {
  return {
    maxEntryBytes: maxFileBytes,
    maxTotalBytes: ARCHIVE_EXPANSION * Math.max(maxFileBytes, archiveBytes),
    maxEntries,
    maxDepth: ARCHIVE_MAX_DEPTH,
  };
}

/** What one file (or archive entry) is, from its name. */
export type FileKind =
  | { kind: 'fit' }
  /** A gzipped FIT file, `.fit.gz` (Strava's bulk export). */
  | { kind: 'fit.gz' }
  | { kind: 'zip' }
  /** A file Kinetic does not read, and why (a GPX, TCX, macOS metadata). */
  | { kind: 'skip'; reason: string }
  /** Hidden and system files (`.DS_Store`, `Thumbs.db`): the computer made them, not the runner. */
  | { kind: 'ignore' }
  /** A name Kinetic does not know: looked at (`sniff`) when the runner named the file, else `NOT_FIT`. */
  | { kind: 'unknown' };

export const MACOS_METADATA = 'macOS metadata, not a FIT file';
export const NOT_FIT = 'not a FIT file';
/** Said of an ignored file when the runner named it directly (it gets a line like every named file). */
export const HIDDEN_FILE = 'hidden or system file, not a FIT file';

const OTHER_FORMATS = [
  { ext: '.gpx', name: 'GPX' },
  { ext: '.tcx', name: 'TCX' },
];
const SYSTEM_FILES = new Set(['thumbs.db', 'desktop.ini']);

/**
 * What a file is from its name: `name` is its path inside the folder or archive it was found in (so
 * that a `__MACOSX/` folder counts), in either slash direction.
 */
export function classifyName(name: string): FileKind {
  const parts = name.toLowerCase().split(/[\\/]/);
  const base = parts.at(-1) ?? '';
  // AppleDouble files (`._run.fit`) look like FIT files; they hold Finder metadata. Said, not ignored.
  if (parts.includes('__macosx') || base.startsWith('._')) return { kind: 'skip', reason: MACOS_METADATA };
  if (base.startsWith('.') || SYSTEM_FILES.has(base)) return { kind: 'ignore' };
  if (base.endsWith('.fit')) return { kind: 'fit' };
  if (base.endsWith('.fit.gz')) return { kind: 'fit.gz' };
  if (base.endsWith('.zip')) return { kind: 'zip' };
  const other = OTHER_FORMATS.find((f) => base.endsWith(f.ext) || base.endsWith(`${f.ext}.gz`));
  if (other !== undefined) return { kind: 'skip', reason: `${other.name} file: Kinetic reads FIT files only — export the original FIT file` };
  return { kind: 'unknown' };
}

/** Bytes to read from a file for `sniff`. */
export const SNIFF_BYTES = 12;

/** What the first bytes of a file say it is: a FIT file (`.FIT` at byte 8), a zip or a gzip. */
export function sniff(head: Uint8Array): 'fit' | 'zip' | 'gzip' | undefined {
  const at = (offset: number, magic: number[]): boolean => head.length >= offset + magic.length && magic.every((b, i) => head[offset + i] === b);
  if (at(8, [0x2e, 0x46, 0x49, 0x54])) return 'fit';
  if (at(0, [0x50, 0x4b, 0x03, 0x04]) || at(0, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (at(0, [0x1f, 0x8b])) return 'gzip';
  return undefined;
}

/**
 * How to read a file the runner handed over directly (named on the command line, or uploaded): by its
 * name and its first bytes, which win when they are a zip or a gzip (a browser or a tool may rename a
 * download). `gzip` is a gzip whose name does not say FIT: it is taken only if a FIT file is inside.
 */
export function kindOfNamedFile(name: string, head: Uint8Array): 'fit' | 'fit.gz' | 'gzip' | 'zip' | { skip: string } {
  const byName = classifyName(path.basename(name));
  if (byName.kind === 'skip') return { skip: byName.reason };
  if (byName.kind === 'ignore') return { skip: HIDDEN_FILE };
  const sniffed = sniff(head);
  if (sniffed === 'zip') return 'zip';
  if (sniffed === 'gzip') return byName.kind === 'fit.gz' ? 'fit.gz' : 'gzip';
  if (byName.kind !== 'unknown') return byName.kind;
  return sniffed === 'fit' ? 'fit' : { skip: NOT_FIT };
}

/** The name a file is stored under: a gzip's name without `.gz`. */
export function storedName(name: string): string {
  return name.toLowerCase().endsWith('.gz') ? name.slice(0, -3) : name;
}

/** An entry (or a gzip) inflates past what may be read. */
export class SizeLimitError extends Error {
  override name = 'SizeLimitError';
}

/** The bytes are not a zip yauzl can read (or its directory breaks off part-way). */
export class ArchiveReadError extends Error {
  override name = 'ArchiveReadError';
}

export function mib(bytes: number): string {
  return `${Math.round((bytes / 2 ** 20) * 10) / 10} MB`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * All of a stream, refusing (and stopping the stream) past `cap` bytes. With `expected` (a zip entry's
 * size, which yauzl holds it to) the bytes go into one buffer of that size as they come, instead of
 * chunks joined at the end (twice the memory at the peak).
 */
async function readAll(stream: AsyncIterable<unknown>, cap: number, what: string, expected?: number): Promise<Buffer> {
  if (expected !== undefined && expected <= cap) {
    const out = Buffer.allocUnsafe(expected);
    let at = 0;
    for await (const chunk of stream) {
      const c = chunk as Buffer;
      if (at + c.length > expected) throw new SizeLimitError(`${what} more than its declared ${expected} bytes`);
      c.copy(out, at);
      at += c.length;
    }
    if (at !== expected) throw new Error(`ended after ${at} of its declared ${expected} bytes`);
    return out;
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    const c = chunk as Buffer;
    n += c.length;
    if (n > cap) throw new SizeLimitError(`${what} more than ${mib(cap)}`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/**
 * Inflates a gzip (a buffer, or a stream such as a file on disk), at most `cap` bytes: a gzip bomb
 * stops at the cap. Throws SizeLimitError past it, zlib's error for bytes that are not gzip.
 */
export async function gunzipCapped(source: Buffer | Readable, cap: number): Promise<Buffer> {
  let out: Buffer = Buffer.alloc(0);
  // Stopping part-way aborts the gunzip stream, and pipeline reports that abort ("The operation was
  // aborted") rather than the cause: keep the cause.
  let limit: SizeLimitError | undefined;
  try {
    await pipeline(Buffer.isBuffer(source) ? Readable.from([source]) : source, createGunzip(), async (inflated: AsyncIterable<unknown>) => {
      try {
        out = await readAll(inflated, cap, 'uncompresses to');
      } catch (err) {
        if (err instanceof SizeLimitError) limit = err;
        throw err;
      }
    });
  } catch (err) {
    throw limit ?? err;
  }
  return out;
}

export type ArchiveItem =
  /** A FIT file to import. `filename` is the name to store it under (a gzip's without `.gz`). */
  | { type: 'fit'; path: string; filename: string; bytes: Buffer }
  /** A file Kinetic does not read (GPX, TCX, macOS metadata…), with the reason. */
  | { type: 'skipped'; path: string; reason: string }
  /** A file that could have been an activity but was not read: over the per-file limit, unsafe, broken. */
  | { type: 'unreadable'; path: string; reason: string }
  /**
   * The archive's budget is spent (`bytes`: `maxTotalBytes` inflated; `entries`: `maxEntries` looked at):
   * this entry and the rest were not read. Always the last item of the archive.
   */
  | { type: 'over-limit'; path: string; reason: string; limit: 'bytes' | 'entries' };

/** Where a zip's bytes are: a file on disk (read as needed) or memory. */
export type ZipSource = { path: string } | { bytes: Buffer };

/** What is left to inflate and look at; one object may be shared by several archives (it is spent as they are read). */
export interface ArchiveBudget {
  bytes: number;
  entries: number;
}

/**
 * What the central directory of `source` says it holds (`onZip`), counted as readZip at `depth` would
 * read it. Reads the directory only.
 */
async function directoryOf(source: ZipSource, zipName: string, limits: ArchiveLimits, depth: number): Promise<ZipDirectory> {
  const zip = await openZip(source);
  const dir: ZipDirectory = { path: zipName, entries: 0, fitFiles: 0, fitBytes: 0, zips: 0, inflateBytes: 0 };
  try {
    for await (const entry of zip.eachEntry()) {
      const raw = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      if (raw.endsWith('/')) continue;
      dir.entries++;
      if (yauzl.validateFileName(raw) !== null || entry.isEncrypted() || !entry.canDecodeFileData()) continue;
      const kind = classifyName(raw).kind;
      if ((kind === 'fit' || kind === 'fit.gz') && entry.uncompressedSize <= limits.maxEntryBytes) {
        dir.fitFiles++;
        dir.fitBytes += entry.uncompressedSize;
        dir.inflateBytes += entry.uncompressedSize;
      } else if (kind === 'zip' && depth < limits.maxDepth) {
        dir.zips++;
        dir.inflateBytes += entry.uncompressedSize;
      }
    }
  } catch (err) {
    throw new ArchiveReadError(messageOf(err));
  } finally {
    zip.close();
  }
  return dir;
}

async function openZip(source: ZipSource): Promise<yauzl.ZipFile> {
  const options = { decodeStrings: false, validateEntrySizes: true, autoClose: false };
  const opening = 'path' in source ? yauzl.openPromise(source.path, options) : yauzl.fromBufferPromise(source.bytes, options);
  return opening.catch((err: unknown) => {
    throw new ArchiveReadError(messageOf(err));
  });
}

/**
 * Every file in the zip (and in zips inside it), in the archive's order, each as an ArchiveItem:
 * `path` is `<zipName>/<path in the zip>`. Throws ArchiveReadError when the source is not a readable
 * zip, or when its directory breaks off part-way (after yielding what came before).
 */
export async function* readZip(
  source: ZipSource,
  zipName: string,
  limits: ArchiveLimits,
  depth = 1,
  budget: ArchiveBudget = { bytes: limits.maxTotalBytes, entries: limits.maxEntries },
): AsyncGenerator<ArchiveItem> {
  if (limits.onZip !== undefined) limits.onZip(await directoryOf(source, zipName, limits, depth));
  const zip = await openZip(source);
  const entries = zip.eachEntry();
  try {
    for (;;) {
      const next = await entries.next().catch((err: unknown) => {
        throw new ArchiveReadError(messageOf(err));
      });
      if (next.done === true) break;
      const entry = next.value;
      const raw = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const at = `${zipName}/${raw}`;
      if (raw.endsWith('/')) continue; // a directory
      if (budget.entries <= 0) {
        yield { type: 'over-limit', limit: 'entries', path: `${zipName}/…`, reason: `the archive has more than ${limits.maxEntries} entries: the rest was not read` };
        return;
      }
      budget.entries--;
      const unsafe = yauzl.validateFileName(raw);
      if (unsafe !== null) {
        yield { type: 'unreadable', path: at, reason: `unsafe path in the archive (${unsafe})` };
        continue;
      }
      const kind = classifyName(raw);
      if (kind.kind === 'ignore') continue;
      if (kind.kind === 'skip' || kind.kind === 'unknown') {
        yield { type: 'skipped', path: at, reason: kind.kind === 'skip' ? kind.reason : NOT_FIT };
        continue;
      }
      const nested = kind.kind === 'zip';
      if (nested && depth >= limits.maxDepth) {
        yield { type: 'unreadable', path: at, reason: `zip nested more than ${limits.maxDepth} levels deep: not opened` };
        continue;
      }
      if (entry.isEncrypted() || !entry.canDecodeFileData()) {
        yield { type: 'unreadable', path: at, reason: entry.isEncrypted() ? 'encrypted entry' : 'unsupported compression method' };
        continue;
      }
      if (!nested && entry.uncompressedSize > limits.maxEntryBytes) {
        yield { type: 'unreadable', path: at, reason: `larger than the ${mib(limits.maxEntryBytes)} limit per file` };
        continue;
      }
      if (entry.uncompressedSize > budget.bytes) {
        yield {
          type: 'over-limit',
          limit: 'bytes',
          path: at,
          reason: nested
            ? `a zip of ${mib(entry.uncompressedSize)} inside the archive, more than is left of the ${mib(limits.maxTotalBytes)} it may expand to: the rest was not read`
            : `the archive expands to more than ${mib(limits.maxTotalBytes)}: the rest was not read`,
        };
        return;
      }
      if (nested) {
        yield* readNested(zip, entry, at, limits, depth, budget);
        continue;
      }
      let item: ArchiveItem;
      try {
        const cap = Math.min(limits.maxEntryBytes, budget.bytes);
        let bytes = await readAll(await zip.openReadStreamPromise(entry), cap, 'inflates to', entry.uncompressedSize);
        budget.bytes -= bytes.length;
        if (kind.kind === 'fit.gz') {
          const gzCap = Math.min(limits.maxEntryBytes, budget.bytes);
          try {
            bytes = await gunzipCapped(bytes, gzCap);
          } catch (err) {
            // Cut off by what is left of the budget rather than by the per-file limit: the budget is spent.
            if (err instanceof SizeLimitError && gzCap < limits.maxEntryBytes) {
              yield { type: 'over-limit', limit: 'bytes', path: at, reason: `the archive expands to more than ${mib(limits.maxTotalBytes)}: the rest was not read` };
              return;
            }
            throw err;
          }
          budget.bytes -= bytes.length;
        }
        item = { type: 'fit', path: at, filename: storedName(at), bytes };
      } catch (err) {
        item = { type: 'unreadable', path: at, reason: unreadableReason(err, limits) };
      }
      yield item;
    }
  } finally {
    zip.close();
  }
}

function unreadableReason(err: unknown, limits: ArchiveLimits): string {
  if (err instanceof SizeLimitError) return `larger than the ${mib(limits.maxEntryBytes)} limit per file (${err.message})`;
  return `cannot be read from the archive: ${messageOf(err)}`;
}

/**
 * A zip inside the zip (Garmin's `UploadedFiles_…zip` reach hundreds of MB), streamed into a temporary
 * file that yauzl reads like any other: never in memory. What it inflates to counts towards the budget
 * (readZip checked its declared size against it; yauzl holds the entry to that size).
 */
async function* readNested(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  at: string,
  limits: ArchiveLimits,
  depth: number,
  budget: ArchiveBudget,
): AsyncGenerator<ArchiveItem> {
  const cap = Math.min(budget.bytes, limits.maxTotalBytes);
  let tempDir: string | undefined;
  try {
    let source: ZipSource;
    try {
      const stream = await zip.openReadStreamPromise(entry);
      tempDir = await fs.mkdtemp(path.join(limits.tempDir ?? os.tmpdir(), 'kinetic-zip-'));
      const file = path.join(tempDir, 'nested.zip');
      let written = 0;
      let limit: SizeLimitError | undefined;
      await pipeline(
        stream,
        async function* (chunks: AsyncIterable<unknown>) {
          for await (const chunk of chunks) {
            written += (chunk as Buffer).length;
            if (written > cap) throw (limit = new SizeLimitError(`inflates to more than ${mib(cap)}`));
            yield chunk;
          }
        },
        createWriteStream(file),
      ).catch((err: unknown) => {
        throw limit ?? err;
      });
      budget.bytes -= written;
      source = { path: file };
    } catch (err) {
      yield { type: 'unreadable', path: at, reason: `cannot be read from the archive: ${messageOf(err)}` };
      return;
    }
    try {
      yield* readZip(source, at, limits, depth + 1, budget);
    } catch (err) {
      if (!(err instanceof ArchiveReadError)) throw err;
      yield { type: 'unreadable', path: at, reason: `not a readable zip: ${err.message}` };
    }
  } finally {
    if (tempDir !== undefined) await fs.rm(tempDir, { recursive: true, force: true });
  }
}
