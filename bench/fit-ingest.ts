/**
 * FIT decode alone vs full import (store bytes → decode → write activity, laps, sets, streams) into
 * Postgres, for the shared fixture files and a generated year of training (~300 activities).
 * Target (issue 2): import ≤ 1.3 × decode time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createAthlete } from '../src/db/repositories/athletes.ts';
import { decodeFit } from '../src/ingest/fit/decode.ts';
import { decoderFor } from '../src/ingest/fit/decode-pool.ts';
import { IMPORT_CONCURRENCY, importFitFile } from '../src/ingest/fit/import.ts';
import { runOrdered } from '../src/domain/pool.ts';
import { encodeMulti } from '../src/synth/fit.ts';
import { generateTraining } from '../src/synth/training.ts';
import { FIXTURE_DIR } from '../test/support/fixtures.ts';
import { adminQuery, databaseUrl } from '../test/support/pg-admin.ts';
import { ensurePostgres } from '../test/support/services.ts';

interface FileSet {
  name: string;
  files: { name: string; bytes: Uint8Array }[];
}

function fixtureSet(): FileSet {
  const files = fs
    .readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.fit') && !f.startsWith('corrupt'))
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(FIXTURE_DIR, name))) }));
  return { name: 'shared fixtures (6 valid files)', files };
}

function yearSet(): FileSet {
  const sessions = generateTraining({ from: '2026-01-05', weeks: 43, seed: 42 });
  return {
    name: `generated year (${sessions.length} activities)`,
    files: sessions.map((s, i) => ({ name: `gen-${i}.fit`, bytes: encodeMulti([s.session]) })),
  };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(set: FileSet, serverUrl: string, runs: number): Promise<Record<string, string | number>> {
  const totalBytes = set.files.reduce((n, f) => n + f.bytes.length, 0);
  let samples = 0;
  for (const f of set.files) for (const a of decodeFit(f.bytes, f.name).activities) samples += a.streams?.t.length ?? 0;

  const decodeTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (const f of set.files) decodeFit(f.bytes, f.name);
    decodeTimes.push(seconds(t0));
  }

  const importTimes: number[] = [];
  let streamBytes = 0;
  let streamHours = 0;
  for (let r = 0; r < runs; r++) {
    const dbName = `kinetic_bench_${process.pid}_${r}`;
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName}`);
    await adminQuery(serverUrl, `CREATE DATABASE ${dbName}`);
    const handle = connect({ databaseUrl: databaseUrl(serverUrl, dbName), poolSize: 2 });
    try {
      await migrateToLatest(handle.db);
      const athlete = await createAthlete(handle.db, { name: 'Bench', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null });
      const now = (): Date => new Date();
      // The CLI's path: importFitFile for each file, IMPORT_CONCURRENCY files in flight, decoding on
      // a worker thread for many files (its start-up is inside the measured time, as in the CLI).
      const t0 = process.hrtime.bigint();
      const decoder = decoderFor(set.files.length);
      await runOrdered(
        set.files.map((f) => () => importFitFile(handle.db, { athleteId: athlete.id, filename: f.name, bytes: f.bytes }, now, decoder.decode)),
        IMPORT_CONCURRENCY,
        (res) => {
          if (res.status === 'failed') throw new Error(res.error);
        },
      );
      importTimes.push(seconds(t0));
      await decoder.close();
      if (r === 0) {
        const row = await sql<{ bytes: string; hours: number }>`
          select sum(octet_length(data))::text as bytes,
                 sum(a.elapsed_s) / 3600.0 as hours
          from activity_streams s join activities a on a.id = s.activity_id`.execute(handle.db);
        streamBytes = Number(row.rows[0]?.bytes ?? 0);
        streamHours = Number(row.rows[0]?.hours ?? 0);
      }
    } finally {
      await handle.close();
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName}`);
    }
  }
  const decode = median(decodeTimes);
  const imp = median(importTimes);
  return {
    set: set.name,
    files: set.files.length,
    'MB': +(totalBytes / 1e6).toFixed(2),
    samples,
    'decode s': +decode.toFixed(3),
    'decode files/s': +(set.files.length / decode).toFixed(1),
    'decode MB/s': +(totalBytes / 1e6 / decode).toFixed(2),
    'decode samples/s': Math.round(samples / decode),
    'import s': +imp.toFixed(3),
    'import files/s': +(set.files.length / imp).toFixed(1),
    'import MB/s': +(totalBytes / 1e6 / imp).toFixed(2),
    'import samples/s': Math.round(samples / imp),
    'import / decode': +(imp / decode).toFixed(2),
    'stream bytes / hour': Math.round(streamBytes / streamHours),
  };
}

export async function benchFitIngest(): Promise<void> {
  const pg = await ensurePostgres();
  try {
    const rows = [await measure(fixtureSet(), pg.url, 5), await measure(yearSet(), pg.url, 3)];
    const cols = Object.keys(rows[0]!);
    console.log('\n### FIT ingest (median of runs; Postgres via pg)\n');
    console.log(`| ${cols.join(' | ')} |`);
    console.log(`|${cols.map(() => ' --- ').join('|')}|`);
    for (const r of rows) console.log(`| ${cols.map((c) => String(r[c])).join(' | ')} |`);
  } finally {
    await pg.stop();
  }
}
