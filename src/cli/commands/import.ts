/**
 * `kinetic import`: FIT files, folders of them, and whole histories as people export them (Garmin's
 * zip of zips, Strava's zip of `.fit.gz` beside GPX and TCX files) into activities.
 *
 * Promises, because people run this over years of files and scripts read its output:
 * - every input file gets exactly one line: `imported`, `duplicate`, `failed` (with the reason) or
 *   `skipped` (a file Kinetic does not read, with the reason); an archive's files get one line each;
 * - one file can never stop the run: a decoder crash, a hang (time limit), a dead decoding thread or an
 *   unexpected error fails that file, whose upload is `failed` and retried by `--retry-failed`;
 * - a summary line ends the run, and the exit code says whether anything failed (docs/fit-import.md).
 *
 * Heavy modules (database, decoder, archives) are loaded inside the action, so `kinetic --help` does
 * not pay for them.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { MultiBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import type { UploadSummary } from '../../db/repositories/uploads.ts';
import type { ImportResult } from '../../services/fit-import.ts';
import type { FitDecoder } from '../../ingest/fit/decode.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatDistance, formatDuration, type Units } from '../format.ts';

interface ImportOptions {
  athlete?: string;
  json?: boolean;
  retryFailed?: boolean;
}

/** How a file is read: as FIT, gzipped FIT, a gzip that may hold FIT, or a zip. */
type ReadAs = 'fit' | 'fit.gz' | 'gzip' | 'zip';

export type Line = { file: string } & (
  | ImportResult
  | { status: 'failed'; uploadId: null; error: string }
  | { status: 'skipped'; uploadId: null; reason: string }
);

/** One thing to report on: a file to read, or a line known without reading (missing, skipped). */
export type Input = { type: 'file'; path: string; readAs: ReadAs } | { type: 'line'; line: Line };

const failedLine = (file: string, error: string): Line => ({ file, status: 'failed', uploadId: null, error });
const skippedLine = (file: string, reason: string): Line => ({ file, status: 'skipped', uploadId: null, reason });

/** A file-system error in words ("permission denied"), not as a code. */
function fsErrorText(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'symbolic link loop';
  return err instanceof Error ? err.message : String(err);
}

/**
 * Everything to import under the given paths, in order: files named directly are taken whatever their
 * name (a FIT file without `.fit` is recognised by its first bytes); folders are searched recursively
 * (sorted by name), following symbolic links.
 *
 * In folders, every file gets a line except hidden and system files (`.DS_Store`, `Thumbs.db`, hidden
 * folders such as a watch drive's `.Trashes`), which the computer made, not the runner: so a GPX or a
 * `notes.txt` beside the FIT files says it was skipped, and why. A folder reached twice (a symbolic link
 * to a folder already searched, a link loop) is searched once, and a file reached twice through it is
 * listed once; distinct names for the same bytes are distinct files (reported `duplicate`).
 */
export async function collectInputs(paths: string[]): Promise<Input[]> {
  const { classifyName, kindOfNamedFile, SNIFF_BYTES } = await import('../../ingest/archive.ts');
  const out: Input[] = [];
  const seen = new Set<string>();

  /** False when this file (by its real folder and name) or folder (by its real path) was listed already. */
  const firstTime = async (key: Promise<string>): Promise<boolean> => {
    const k = await key;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  };
  const fileKey = async (p: string): Promise<string> => path.join(await fs.realpath(path.dirname(p)), path.basename(p));

  const named = async (p: string): Promise<Input> => {
    const head = Buffer.alloc(SNIFF_BYTES);
    try {
      const handle = await fs.open(p, 'r');
      try {
        await handle.read(head, 0, SNIFF_BYTES, 0);
      } finally {
        await handle.close();
      }
    } catch (err) {
      return { type: 'line', line: failedLine(p, fsErrorText(err)) };
    }
    const kind = kindOfNamedFile(p, head);
    return typeof kind === 'string' ? { type: 'file', path: p, readAs: kind } : { type: 'line', line: skippedLine(p, kind.skip) };
  };

  const walk = async (root: string, dir: string): Promise<void> => {
    let entries;
    try {
      if (!(await firstTime(fs.realpath(dir)))) return;
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      out.push({ type: 'line', line: failedLine(dir, `cannot read the folder: ${fsErrorText(err)}`) });
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      let isDirectory = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await fs.stat(full).catch((err: unknown) => err);
        if (target instanceof Error) {
          out.push({ type: 'line', line: skippedLine(full, `broken symbolic link (${fsErrorText(target) === 'symbolic link loop' ? 'it points to itself' : 'its target does not exist'})`) });
          continue;
        }
        const st = target as Awaited<ReturnType<typeof fs.stat>>;
        isDirectory = st.isDirectory();
        isFile = st.isFile();
      }
      if (isDirectory) {
        if (!e.name.startsWith('.')) await walk(root, full);
        continue;
      }
      if (!isFile) continue; // sockets, pipes, devices
      const kind = classifyName(path.relative(root, full));
      if (kind.kind === 'ignore') continue;
      if (!(await firstTime(fileKey(full)))) continue;
      if (kind.kind === 'skip') out.push({ type: 'line', line: skippedLine(full, kind.reason) });
      else if (kind.kind === 'unknown') out.push({ type: 'line', line: skippedLine(full, 'not a FIT file') });
      else out.push({ type: 'file', path: full, readAs: kind.kind });
    }
  };

  for (const p of paths) {
    const st = await fs.stat(p).catch(() => null);
    if (st === null) out.push({ type: 'line', line: failedLine(p, 'no such file or folder') });
    else if (st.isDirectory()) await walk(p, p);
    else if (!st.isFile()) out.push({ type: 'line', line: skippedLine(p, 'not a regular file') });
    else if (await firstTime(fileKey(p))) out.push(await named(p));
  }
  return out;
}

function textLine(line: Line, units: Units): string {
  const name = line.file;
  switch (line.status) {
    case 'failed':
      return `failed     ${name}: ${line.error}`;
    case 'skipped':
      return `skipped    ${name}: ${line.reason}`;
    case 'imported':
    case 'duplicate': {
      const acts = line.activities.map((a) =>
        [a.subSport ?? a.sport, a.localDate, a.distanceM === null ? null : formatDistance(a.distanceM, units), formatDuration(a.durationS)]
          .filter((p) => p !== null)
          .join(' '),
      );
      const note = line.status === 'duplicate' && line.note !== undefined ? [line.note] : [];
      const details = [...acts, ...note, ...line.warnings.map((w) => `warning: ${w}`)];
      return `${line.status.padEnd(10)} ${name}${details.length > 0 ? `: ${details.join('; ')}` : ''}`;
    }
  }
}

export interface Summary {
  imported: number;
  duplicate: number;
  skipped: number;
  failed: number;
  /** Duplicates of uploads that failed in an earlier run (still failed: `--retry-failed` parses them again). */
  failedEarlier: number;
}

export function summaryText(s: Summary, retrying: boolean): string {
  if (s.imported + s.duplicate + s.skipped + s.failed === 0) {
    return retrying ? 'nothing to do: no failed or unfinished uploads to retry' : 'nothing to do: no FIT files found';
  }
  const counts = `${s.imported} imported, ${s.duplicate} duplicate, ${s.skipped} skipped, ${s.failed} failed`;
  return s.failedEarlier > 0 ? `${counts}; ${s.failedEarlier} failed earlier — kinetic import --retry-failed` : counts;
}

/**
 * Lets tasks that run concurrently enter one step in the order they were created: each waits for
 * the one before. Used so that of several copies of one file, the first in the input order is the one
 * imported (and the others its duplicates), whichever copy finished reading from disk first.
 */
class Turns {
  private last: Promise<void> = Promise.resolve();

  /** A turn, taken in creation order: wait for `ready` before the step, call `done` once in it. */
  take(): { ready: Promise<void>; done: () => void } {
    const ready = this.last;
    let done = (): void => undefined;
    this.last = new Promise<void>((resolve) => (done = resolve));
    return { ready, done };
  }
}

/** Lines on stdout; on an interactive terminal, a progress bar under them on stderr, with files/s and an ETA. */
function progressOutput(total: number, json: boolean): { line(text: string): void; grow(): void; done(): void } {
  if (json || !process.stdout.isTTY || !process.stderr.isTTY || total < 2) {
    return { line: (text) => process.stdout.write(`${text}\n`), grow: () => undefined, done: () => undefined };
  }
  const multi = new MultiBar(
    {
      format: 'importing [{bar}] {value}/{total} files · {rate} files/s · ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
      etaBuffer: 100,
    },
    Presets.shades_classic,
  );
  const bar = multi.create(total, 0, { rate: '…' });
  const started = Date.now();
  let n = 0;
  let size = total;
  return {
    line: (text) => {
      multi.log(`${text}\n`);
      n++;
      const seconds = (Date.now() - started) / 1000;
      bar.increment(1, { rate: seconds > 0 ? (n / seconds).toFixed(1) : '…' });
    },
    // An archive's files are counted once it is opened.
    grow: () => bar.setTotal(++size),
    done: () => multi.stop(),
  };
}

export function importCommand(): Command {
  return new Command('import')
    .description('import FIT files, .fit.gz files and zips of them (Garmin and Strava exports); folders are searched recursively')
    .argument('[paths...]', 'FIT files, archives or folders')
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .option('--json', 'print one JSON object per file, then {"summary": …}')
    .option('--retry-failed', 'parse again every stored upload that failed, or that a run which died left unparsed')
    .addHelpText(
      'after',
      '\nEvery file gets one line: imported, duplicate, failed (reason) or skipped (reason), then a summary.\nExit code: 0 nothing failed; 1 a file failed in this run, or was found failed from an earlier run; 2 bad usage.',
    )
    .action(async (paths: string[], opts: ImportOptions) => {
      if (paths.length === 0 && opts.retryFailed !== true) {
        throw new UsageError('nothing to import: name FIT files, archives or folders, or use --retry-failed');
      }
      const inputs = await collectInputs(paths);
      const [{ loadConfig }, { withContext }, { DecodePool }] = await Promise.all([
        import('../../config.ts'),
        import('../context.ts'),
        import('../../ingest/fit/decode-pool.ts'),
      ]);
      // Every file is decoded on a worker thread, even one: only a thread can be stopped when a file
      // hangs the decoder, or die without taking the run along. It starts now, while the database opens.
      const pool = new DecodePool({ fileTimeLimitMs: loadConfig().importFileTimeoutMs });
      if (opts.retryFailed === true || inputs.some((i) => i.type === 'file')) pool.warmUp();
      try {
        // The command's jobs decode on the same thread (`CliContext.decodePool`).
        await withContext((ctx) => runImport(ctx, inputs, opts, pool.decode), { decodePool: pool });
      } finally {
        await pool.close();
      }
    });
}

async function runImport(ctx: CliContext, inputs: Input[], opts: ImportOptions, decode: FitDecoder): Promise<void> {
  const [{ resolveAthlete }, { listUploads }, { runOrdered }, { isoWeekOf }, fit, archive, { markFailed }] = await Promise.all([
    import('../../db/repositories/athletes.ts'),
    import('../../db/repositories/uploads.ts'),
    import('../../domain/pool.ts'),
    import('../../domain/iso-week.ts'),
    import('../../services/fit-import.ts'),
    import('../../ingest/archive.ts'),
    import('../exit-code.ts'),
  ]);
  const { db, now, config, jobs } = ctx;
  const athlete = await resolveAthlete(db, opts.athlete);
  const json = opts.json === true;
  // Failed uploads, and those a run that died left `queued` or `processing`.
  const retries: UploadSummary[] = opts.retryFailed === true ? await listUploads(db, athlete.id, ['failed', 'queued', 'processing']) : [];
  const out = progressOutput(retries.length + inputs.length, json);

  const summary: Summary = { imported: 0, duplicate: 0, skipped: 0, failed: 0, failedEarlier: 0 };
  const parsedHere = new Set<string>();
  const weeks = new Set<string>();
  const emit = (line: Line): void => {
    summary[line.status]++;
    if (line.status === 'imported' || line.status === 'failed') {
      if (line.uploadId !== null) parsedHere.add(line.uploadId);
    }
    // A copy of a file that failed in this very run is not an earlier failure.
    if (line.status === 'duplicate' && line.earlierError !== undefined && !parsedHere.has(line.uploadId)) summary.failedEarlier++;
    if (line.status === 'imported') for (const a of line.activities) weeks.add(isoWeekOf(a.localDate));
    out.line(json ? JSON.stringify(line) : textLine(line, athlete.units));
  };

  /** A task that cannot throw: whatever goes wrong is that file's failure. */
  const guarded =
    (file: string, work: () => Promise<Line>) =>
    (): Promise<Line> =>
      work().catch((err: unknown) => failedLine(file, `could not be imported: ${fsErrorText(err)}`));
  const turns = new Turns();
  const importBytes = async (file: string, filename: string, bytes: Uint8Array, turn: ReturnType<Turns['take']>): Promise<Line> => {
    try {
      await turn.ready;
      const result = fit.importFitFile(db, { athleteId: athlete.id, filename, bytes }, now, decode);
      turn.done();
      return { file, ...(await result) };
    } finally {
      turn.done();
    }
  };
  const maxBytes = config.maxUploadBytes;
  const readFile = async (input: { path: string; readAs: 'fit' | 'fit.gz' | 'gzip' }): Promise<Uint8Array | Line> => {
    if (input.readAs === 'fit') {
      const { size } = await fs.stat(input.path);
      if (size > maxBytes) return failedLine(input.path, `file too large (${size} bytes, limit ${maxBytes})`);
      return new Uint8Array(await fs.readFile(input.path));
    }
    let bytes: Buffer;
    try {
      bytes = await archive.gunzipCapped(createReadStream(input.path), maxBytes);
    } catch (err) {
      if (err instanceof archive.SizeLimitError) return failedLine(input.path, `larger than the ${archive.mib(maxBytes)} limit per file once uncompressed`);
      if ((err as { code?: string }).code?.startsWith('Z_') === true) return failedLine(input.path, `not a readable gzip file: ${fsErrorText(err)}`);
      throw err;
    }
    if (input.readAs === 'gzip' && archive.sniff(bytes) !== 'fit') return skippedLine(input.path, 'not a FIT file (a gzip of something else)');
    return new Uint8Array(bytes);
  };
  const fileTask = (input: { path: string; readAs: 'fit' | 'fit.gz' | 'gzip' }): (() => Promise<Line>) => {
    const turn = turns.take();
    return guarded(input.path, async () => {
      let read: Uint8Array | Line;
      try {
        read = await readFile(input);
      } catch (err) {
        turn.done();
        throw err;
      }
      if (!(read instanceof Uint8Array)) {
        turn.done();
        return read;
      }
      return importBytes(input.path, archive.storedName(path.basename(input.path)), read, turn);
    });
  };

  /** An archive's files, one task each, read one at a time as the import takes them. */
  async function* zipTasks(zipPath: string): AsyncGenerator<() => Promise<Line>> {
    let lines = 0;
    const task = (make: () => () => Promise<Line>): (() => Promise<Line>) => {
      if (lines++ > 0) out.grow();
      return make();
    };
    try {
      const { size } = await fs.stat(zipPath);
      for await (const item of archive.readZip({ path: zipPath }, path.basename(zipPath), archive.archiveLimits(maxBytes, size))) {
        const file = path.join(path.dirname(zipPath), item.path);
        if (item.type === 'fit') {
          yield task(() => {
            const turn = turns.take();
            return guarded(file, () => importBytes(file, item.filename, item.bytes, turn));
          });
        } else {
          const line = item.type === 'skipped' ? skippedLine(file, item.reason) : failedLine(file, item.reason);
          yield task(() => () => Promise.resolve(line));
        }
      }
      if (lines === 0) yield task(() => () => Promise.resolve(skippedLine(zipPath, 'an empty archive: no files in it')));
    } catch (err) {
      const why = err instanceof archive.ArchiveReadError ? `not a readable zip: ${err.message}` : fsErrorText(err);
      const line = failedLine(zipPath, lines === 0 ? why : `the archive breaks off after ${lines} files: ${why}`);
      yield task(() => () => Promise.resolve(line));
    }
  }

  async function* tasks(): AsyncGenerator<() => Promise<Line>> {
    for (const upload of retries) {
      yield guarded(upload.filename, async () => ({ file: upload.filename, ...(await fit.reprocess(db, upload.id, now, decode)) }));
    }
    for (const input of inputs) {
      if (input.type === 'line') yield () => Promise.resolve(input.line);
      else if (input.readAs === 'zip') yield* zipTasks(input.path);
      else yield fileTask({ path: input.path, readAs: input.readAs });
    }
  }

  try {
    await runOrdered(tasks(), fit.IMPORT_CONCURRENCY, emit);
  } finally {
    out.done();
  }
  process.stdout.write(json ? `${JSON.stringify({ summary })}\n` : `${summaryText(summary, opts.retryFailed === true && inputs.length === 0)}\n`);
  for (const isoWeek of [...weeks].sort()) await jobs.enqueue('analysis', { athleteId: athlete.id, isoWeek });
  if (summary.failed > 0 || summary.failedEarlier > 0) markFailed();
}
