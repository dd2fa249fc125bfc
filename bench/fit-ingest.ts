/**
 * FIT decode alone vs full import (store bytes → decode → write activity, laps, sets, streams) into
 * Postgres, for the shared fixture files, the benchmark corpus (bench/fit-corpus.ts: real recordings
 * under new serial numbers, runs at 1 Hz and with smart recording, 4–5 h rides with power, pool swims,
 * duathlons, strength sessions — generated, none used by a test) and a generated year of training.
 * Target (issue 2): import ≤ 1.3 × decode.
 *
 * Per set, medians of runs:
 * - decode: `decodeFit` (header/CRC check, the Garmin SDK's decoder, mapping) for every file, in this thread;
 * - import: the CLI's path — `importFitFile` for each file, IMPORT_CONCURRENCY files in flight,
 *   decoding on the DecodePool thread (`kinetic import` always decodes there; the thread is started
 *   before the database opens, as the command does). The pool runs the compiled worker (dist/);
 * - where the import's time goes: decoding through the pool alone (the thread and the copy of each
 *   result back), and writing alone (`importFitFile` with every file already decoded);
 * then the real command, `kinetic import` spawned on the corpus folder, once on Postgres and once
 * on the embedded database: wall time and peak RSS. Each set's row ends with the machine's load
 * average (1 min) when it started and ended: on a shared machine, numbers taken under load are slower.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createAthlete } from '../src/db/repositories/athletes.ts';
import type { Database } from '../src/db/schema.ts';
import { decodeFit, type DecodedFit, type FitDecoder } from '../src/ingest/fit/decode.ts';
import { DecodePool } from '../src/ingest/fit/decode-pool.ts';
import { IMPORT_CONCURRENCY, importFitFile, sha256Hex } from '../src/services/fit-import.ts';
import { runOrdered } from '../src/domain/pool.ts';
import { encodeMulti } from '../src/synth/fit.ts';
import { generateTraining } from '../src/synth/training.ts';
import { FIXTURE_DIR } from '../test/support/fixtures.ts';
import { adminQuery, databaseUrl } from '../test/support/pg-admin.ts';
import { ensurePostgres } from '../test/support/services.ts';
import { buildOnce, median, runKinetic } from './cli-process.ts';
import { benchCorpus, type CorpusFile } from './fit-corpus.ts';

interface FileSet {
  name: string;
  files: CorpusFile[];
}

/** The compiled decode worker, as `kinetic import` runs it (this benchmark itself runs under tsx). */
const COMPILED_WORKER = new URL('../dist/src/ingest/fit/decode-worker.js', import.meta.url);

function fixtureSet(): FileSet {
  const files = fs
    .readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.fit') && !f.startsWith('corrupt'))
    .sort()
    .map((name) => ({ name, shape: 'fixture', bytes: new Uint8Array(fs.readFileSync(path.join(FIXTURE_DIR, name))) }));
  return { name: `shared fixtures (${files.length} valid files)`, files };
}

/**
 * The same decode in a new thread, as `kinetic import`'s decoding thread does it: the compiled decoder,
 * its code not yet optimised by the JIT. Seconds of the first pass over the files (and of a second).
 */
function decodeInNewThread(files: CorpusFile[]): Promise<[number, number]> {
  const url = new URL('../dist/src/ingest/fit/decode.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.url).then(({ decodeFit }) => {
      const times = [];
      for (let pass = 0; pass < 2; pass++) {
        const t0 = performance.now();
        for (const f of workerData.files) decodeFit(f.bytes, f.name);
        times.push((performance.now() - t0) / 1000);
      }
      parentPort.postMessage(times);
    });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { url, files: files.map((f) => ({ name: f.name, bytes: f.bytes })) } });
    worker.once('message', (times: [number, number]) => {
      resolve(times);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** A generated year of the demo's kind of training (runs with laps, strength with sets, smart recording), as measured before. */
function yearSet(): FileSet {
  const sessions = generateTraining({ from: '2026-01-05', weeks: 43, seed: 42 });
  return {
    name: `generated year (${sessions.length} activities)`,
    files: sessions.map((s, i) => ({ name: `gen-${i}.fit`, shape: 'generated year', bytes: encodeMulti([s.session]) })),
  };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const newPool = (): DecodePool => new DecodePool(fs.existsSync(COMPILED_WORKER) ? { workerUrl: COMPILED_WORKER } : {});

/** A throwaway migrated database with one athlete; `fn` gets it, then it is dropped. */
async function withDatabase<T>(serverUrl: string, tag: string, fn: (db: Kysely<Database>, athleteId: string) => Promise<T>): Promise<T> {
  const dbName = `kinetic_bench_${process.pid}_${tag}`;
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName}`);
  await adminQuery(serverUrl, `CREATE DATABASE ${dbName}`);
  const handle = connect({ databaseUrl: databaseUrl(serverUrl, dbName), poolSize: 2 });
  try {
    await migrateToLatest(handle.db);
    const athlete = await createAthlete(handle.db, { name: 'Bench', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null });
    return await fn(handle.db, athlete.id);
  } finally {
    await handle.close();
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName}`);
  }
}

async function importAll(db: Kysely<Database>, athleteId: string, files: CorpusFile[], decode: FitDecoder): Promise<void> {
  const now = (): Date => new Date();
  await runOrdered(
    files.map((f) => () => importFitFile(db, { athleteId, filename: f.name, bytes: f.bytes }, now, decode)),
    IMPORT_CONCURRENCY,
    (res) => {
      if (res.status === 'failed') throw new Error(res.error);
    },
  );
}

async function measure(set: FileSet, serverUrl: string, runs: number): Promise<Record<string, string | number>> {
  const loadBefore = os.loadavg()[0]!;
  const totalBytes = set.files.reduce((n, f) => n + f.bytes.length, 0);
  // Decoded once up front, under the identity importFitFile gives the decoder (the sha256 prefix).
  const decodedBySha = new Map<string, DecodedFit>();
  let samples = 0;
  for (const f of set.files) {
    const identity = sha256Hex(f.bytes).slice(0, 16);
    const d = decodeFit(f.bytes, identity);
    decodedBySha.set(identity, d);
    for (const a of d.activities) samples += a.streams?.t.length ?? 0;
  }
  const preDecoded: FitDecoder = (_bytes, identity) => {
    const d = decodedBySha.get(identity);
    if (d === undefined) throw new Error(`no decoded file for ${identity}`);
    return d;
  };

  const decodeTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (const f of set.files) decodeFit(f.bytes, f.name);
    decodeTimes.push(seconds(t0));
  }

  const coldTimes: number[] = [];
  for (let r = 0; r < runs; r++) coldTimes.push((await decodeInNewThread(set.files))[0]);

  // Decoding through the pool alone: files handed over as the import hands them (IMPORT_CONCURRENCY in flight).
  const poolTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const pool = newPool();
    pool.warmUp();
    await pool.decode(set.files[0]!.bytes, 'warm-up');
    const t0 = process.hrtime.bigint();
    await runOrdered(
      set.files.map((f) => () => Promise.resolve(pool.decode(f.bytes, f.name))),
      IMPORT_CONCURRENCY,
      () => undefined,
    );
    poolTimes.push(seconds(t0));
    await pool.close();
  }

  const importTimes: number[] = [];
  const writeTimes: number[] = [];
  let streamBytes = 0;
  let streamHours = 0;
  for (let r = 0; r < runs; r++) {
    // As `kinetic import`: the decoding thread starts, then the database opens.
    const pool = newPool();
    pool.warmUp();
    try {
      await withDatabase(serverUrl, `i${r}`, async (db, athleteId) => {
        const t0 = process.hrtime.bigint();
        await importAll(db, athleteId, set.files, pool.decode);
        importTimes.push(seconds(t0));
        if (r === 0) {
          const row = await sql<{ bytes: string; hours: number }>`
            select sum(octet_length(data))::text as bytes,
                   sum(a.elapsed_s) / 3600.0 as hours
            from activity_streams s join activities a on a.id = s.activity_id`.execute(db);
          streamBytes = Number(row.rows[0]?.bytes ?? 0);
          streamHours = Number(row.rows[0]?.hours ?? 0);
        }
      });
    } finally {
      await pool.close();
    }
    // Writing alone: the same import with every file already decoded.
    await withDatabase(serverUrl, `w${r}`, async (db, athleteId) => {
      const t0 = process.hrtime.bigint();
      await importAll(db, athleteId, set.files, preDecoded);
      writeTimes.push(seconds(t0));
    });
  }

  const decode = median(decodeTimes);
  const cold = median(coldTimes);
  const imp = median(importTimes);
  return {
    set: set.name,
    files: set.files.length,
    MB: +(totalBytes / 1e6).toFixed(2),
    samples,
    'decode s (warm, this thread)': +decode.toFixed(3),
    'decode s (new thread, 1st pass)': +cold.toFixed(3),
    'pool decode alone s': +median(poolTimes).toFixed(3),
    'writes alone s': +median(writeTimes).toFixed(3),
    'import s': +imp.toFixed(3),
    'import / decode (warm)': `**${(imp / decode).toFixed(2)}**`,
    'import / decode (new thread)': `**${(imp / cold).toFixed(2)}**`,
    'import samples/s': Math.round(samples / imp),
    'stream bytes / hour': Math.round(streamBytes / streamHours),
    // The machine may be shared: its load average (1 min) when this set started and ended.
    'load avg': `${loadBefore.toFixed(1)}–${os.loadavg()[0]!.toFixed(1)}`,
  };
}

/** `kinetic import --json <folder>` spawned on the corpus: wall time, peak RSS and CPU of the process. */
async function cliImport(set: FileSet, env: Record<string, string>): Promise<Record<string, string | number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-bench-corpus-'));
  try {
    for (const f of set.files) fs.writeFileSync(path.join(dir, f.name), f.bytes);
    const add = await runKinetic(['athlete', 'add', '--name', 'Bench'], env);
    if (add.code !== 0) throw new Error(`athlete add: ${add.stderr}`);
    const r = await runKinetic(['import', '--json', dir], env);
    if (r.code !== 0) throw new Error(`kinetic import exited ${r.code}: ${r.stderr.slice(0, 2000)}`);
    const imported = r.stdout.split('\n').filter((l) => l.includes('"status":"imported"')).length;
    return { imported, 'wall s': +r.wallS.toFixed(2), 'CPU s': +r.cpuS.toFixed(2), 'peak RSS MiB': Math.round(r.maxRssMiB) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function table(title: string, rows: Record<string, string | number>[]): void {
  const cols = Object.keys(rows[0]!);
  console.log(`\n### ${title}\n`);
  console.log(`| ${cols.join(' | ')} |`);
  console.log(`|${cols.map(() => ' --- ').join('|')}|`);
  for (const r of rows) console.log(`| ${cols.map((c) => String(r[c])).join(' | ')} |`);
}

export async function benchFitIngest(): Promise<void> {
  buildOnce();
  const started = Date.now();
  const corpus: FileSet = { name: '', files: benchCorpus(FIXTURE_DIR) };
  corpus.name = `benchmark corpus (${corpus.files.length} files)`;
  console.log(`\ncorpus generated in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
  const shapes = new Map<string, { files: number; bytes: number }>();
  for (const f of corpus.files) {
    const s = shapes.get(f.shape) ?? { files: 0, bytes: 0 };
    s.files++;
    s.bytes += f.bytes.length;
    shapes.set(f.shape, s);
  }
  table(
    'Benchmark corpus',
    [...shapes].map(([shape, s]) => ({ shape, files: s.files, MB: +(s.bytes / 1e6).toFixed(2) })),
  );
  const pg = await ensurePostgres();
  try {
    const rows = [await measure(fixtureSet(), pg.url, 5), await measure(corpus, pg.url, 3), await measure(yearSet(), pg.url, 3)];
    table('FIT ingest (median of runs; Postgres via pg)', rows);

    const dbName = `kinetic_bench_cli_${process.pid}`;
    await adminQuery(pg.url, `DROP DATABASE IF EXISTS ${dbName}`);
    await adminQuery(pg.url, `CREATE DATABASE ${dbName}`);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-bench-data-'));
    try {
      // The embedded database is created first (initdb is not the import's cost).
      const init = await runKinetic(['athlete', 'list'], { KINETIC_DATA_DIR: dataDir });
      if (init.code !== 0) throw new Error(init.stderr);
      const cli = [
        { database: 'Postgres (DATABASE_URL)', ...(await cliImport(corpus, { DATABASE_URL: databaseUrl(pg.url, dbName) })) },
        { database: 'embedded (PGlite)', ...(await cliImport(corpus, { KINETIC_DATA_DIR: dataDir })) },
      ];
      table(`kinetic import of the corpus folder (${corpus.files.length} files), the real command`, cli);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await adminQuery(pg.url, `DROP DATABASE IF EXISTS ${dbName}`);
    }
  } finally {
    await pg.stop();
  }
}

