import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MultiBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import type { Kysely } from 'kysely';
import { resolveAthlete } from '../../db/repositories/athletes.ts';
import type { Database } from '../../db/schema.ts';
import { runOrdered } from '../../domain/pool.ts';
import { isoWeekOf } from '../../plan/iso-week.ts';
import { listUploads } from '../../db/repositories/uploads.ts';
import { decoderFor } from '../../ingest/fit/decode-pool.ts';
import type { FitDecoder } from '../../ingest/fit/decode.ts';
import { IMPORT_CONCURRENCY, importFitFile, reprocess, type ImportResult } from '../../ingest/fit/import.ts';
import { withContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { markFailed } from '../exit-code.ts';
import { formatDistance, formatDuration, type Units } from '../format.ts';

interface ImportOptions {
  athlete?: string;
  json?: boolean;
  retryFailed?: boolean;
}

/** Every `.fit` file under the given paths (folders recursively, sorted); files named directly are taken as they are. */
export async function collectFitFiles(paths: string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  for (const p of paths) {
    const stat = await fs.stat(p).catch(() => null);
    if (stat === null) missing.push(p);
    else if (stat.isDirectory()) files.push(...(await walk(p)));
    else files.push(p);
  }
  return { files, missing };
}

async function walk(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.isFile() && e.name.toLowerCase().endsWith('.fit')) out.push(full);
  }
  return out;
}

type Line = { file: string } & (ImportResult | { status: 'failed'; uploadId: null; error: string });

function textLine(line: Line, units: Units): string {
  const name = line.file;
  switch (line.status) {
    case 'failed':
      return `failed     ${name}: ${line.error}`;
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

function jsonLine(line: Line): string {
  return JSON.stringify(line);
}

async function importOne(
  db: Kysely<Database>,
  athleteId: string,
  file: string,
  maxBytes: number,
  now: () => Date,
  decode: FitDecoder,
): Promise<Line> {
  const stat = await fs.stat(file);
  if (stat.size > maxBytes) {
    return { file, status: 'failed', uploadId: null, error: `file too large (${stat.size} bytes, limit ${maxBytes})` };
  }
  const bytes = new Uint8Array(await fs.readFile(file));
  return { file, ...(await importFitFile(db, { athleteId, filename: path.basename(file), bytes }, now, decode)) };
}

export function importCommand(): Command {
  return new Command('import')
    .description('import FIT files (folders are searched recursively for .fit files)')
    .argument('[paths...]', 'FIT files or folders')
    .option('--athlete <id>', 'athlete id (optional when there is exactly one athlete)')
    .option('--json', 'print one JSON object per file')
    .option('--retry-failed', 'parse again every stored upload that failed')
    .action(async (paths: string[], opts: ImportOptions) => {
      if (paths.length === 0 && opts.retryFailed !== true) {
        throw new UsageError('nothing to import: name FIT files or folders, or use --retry-failed');
      }
      await withContext(async ({ db, now, config, jobs }) => {
        const athlete = await resolveAthlete(db, opts.athlete);
        const { files, missing } = await collectFitFiles(paths);
        const retries = opts.retryFailed === true ? await listUploads(db, athlete.id, 'failed') : [];
        const total = files.length + missing.length + retries.length;
        const out = progressOutput(total, opts.json === true);
        let failed = 0;
        const weeks = new Set<string>();
        const emit = (line: Line): void => {
          if (line.status === 'failed') failed++;
          if (line.status === 'imported') for (const a of line.activities) weeks.add(isoWeekOf(a.localDate));
          out.line(opts.json === true ? jsonLine(line) : textLine(line, athlete.units));
        };
        for (const file of missing) emit({ file, status: 'failed', uploadId: null, error: 'no such file or folder' });
        // For many files, decoding runs on a worker thread: the next file decodes while this thread writes.
        const decoder = decoderFor(files.length);
        const tasks: (() => Promise<Line>)[] = [
          ...retries.map((upload) => async (): Promise<Line> => ({ file: upload.filename, ...(await reprocess(db, upload.id, now)) })),
          ...files.map((file) => () => importOne(db, athlete.id, file, config.maxUploadBytes, now, decoder.decode)),
        ];
        try {
          await runOrdered(tasks, IMPORT_CONCURRENCY, emit);
        } finally {
          await decoder.close();
        }
        out.done();
        for (const isoWeek of [...weeks].sort()) await jobs.enqueue('analysis', { athleteId: athlete.id, isoWeek });
        if (opts.json !== true && total === 0) process.stdout.write('nothing to do: no .fit files found\n');
        if (failed > 0) markFailed();
      });
    });
}

/** Lines on stdout; on an interactive terminal, a progress bar under them on stderr. */
function progressOutput(total: number, json: boolean): { line(text: string): void; done(): void } {
  if (json || !process.stdout.isTTY || !process.stderr.isTTY || total < 2) {
    return { line: (text) => process.stdout.write(`${text}\n`), done: () => undefined };
  }
  const multi = new MultiBar(
    { format: 'importing [{bar}] {value}/{total} files', hideCursor: true, clearOnComplete: true, stream: process.stderr },
    Presets.shades_classic,
  );
  const bar = multi.create(total, 0);
  return {
    line: (text) => {
      multi.log(`${text}\n`);
      bar.increment();
    },
    done: () => multi.stop(),
  };
}
