/**
 * `npm run fuzz [-- --count N --seed S]`: fuzzes the FIT import (docs/fit-import.md, "Fuzzing").
 *
 * Makes N mutants of the fixtures (test/support/fit-mutate.ts: bit flips, overwrites, truncations,
 * inflated header sizes, field sizes and field counts in definitions, records duplicated, repeated,
 * moved or removed; re-closed with valid CRCs most of the time), imports each one through the real
 * import (`importFitFile` with a DecodePool and its per-file time limit, IMPORT_CONCURRENCY in flight,
 * as `kinetic import`) into a database, and checks every file's fate there (test/support/fit-fuzz.ts).
 * Prints a summary; writes every mutant that crashed, hung, left partial or inconsistent rows, or got
 * an unexpected result to test/fixtures/fit-fuzz/ (the regression corpus, imported by the CI test),
 * named with the seed, index and mutation. Exit code 1 when there is any finding.
 *
 * Options:
 *   --count N          mutants (default 10000)
 *   --seed S           run seed (default 20261206); mutant i of seed S is always the same bytes
 *   --first I          index of the first mutant (default 0): `--first 4711 --count 1` remakes one
 *   --file-limit-ms M  the DecodePool's per-file time limit (default 10000; `kinetic import`'s is 60000),
 *                      and the limit on one file's whole import (decode and writes) before it counts as a hang
 *   --database-url URL Postgres server: a throwaway database is created there (default: embedded
 *                      PGlite in a temporary folder)
 *   --no-save          do not write findings to test/fixtures/fit-fuzz/
 *   --no-large         leave the 1 MB multisport fixture out of the seeds
 *   --max-findings F   stop starting new files after F files with findings (default 50: a broken
 *                      database would otherwise make every later file one)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect, type DbHandle } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { DecodePool } from '../src/ingest/fit/decode-pool.ts';
import { IMPORT_CONCURRENCY } from '../src/services/fit-import.ts';
import { CORPUS_DIR, FuzzImporter, FuzzTally, fuzzSeeds, importCases, mutantCases, type CaseResult } from '../test/support/fit-fuzz.ts';
import { adminQuery, databaseUrl } from '../test/support/pg-admin.ts';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '20261206' },
    first: { type: 'string', default: '0' },
    'file-limit-ms': { type: 'string', default: '10000' },
    'database-url': { type: 'string' },
    'no-save': { type: 'boolean', default: false },
    'no-large': { type: 'boolean', default: false },
    'max-findings': { type: 'string', default: '50' },
  },
  strict: true,
});

function whole(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number, not ${text}`);
    process.exit(2);
  }
  return n;
}

const count = whole('count', args.count);
const seed = whole('seed', args.seed);
const first = whole('first', args.first);
const fileLimitMs = whole('file-limit-ms', args['file-limit-ms']);
const maxFindings = whole('max-findings', args['max-findings']);

/** Anything escaping the import's own handling is a crash of the run: counted, never swallowed. */
const escaped: string[] = [];
process.on('unhandledRejection', (err) => escaped.push(`unhandled rejection: ${String(err)}`));
process.on('uncaughtException', (err) => escaped.push(`uncaught exception: ${err.name}: ${err.message}`));
/** Set once the summary is printed: a process that ends before (an import that never settles) is a finding too. */
let finished = false;
process.on('exit', () => {
  if (finished) return;
  console.log('FINDING the run ended before its summary: an import never settled (a database or thread that stopped answering)');
  process.exitCode = 1;
});

async function openDatabase(): Promise<DbHandle & { cleanup: () => Promise<void>; where: string }> {
  const server = args['database-url'];
  if (server !== undefined) {
    const name = `kt_fuzz_${process.pid}_${Date.now().toString(36)}`;
    await adminQuery(server, `CREATE DATABASE ${name}`);
    const handle = connect({ databaseUrl: databaseUrl(server, name), poolSize: 5 });
    await migrateToLatest(handle.db);
    return {
      ...handle,
      where: `Postgres (throwaway database ${name})`,
      cleanup: async () => {
        await handle.close();
        await adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-fuzz-'));
  const handle = connect({ dataDir: dir });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    where: 'embedded PGlite (temporary folder)',
    cleanup: async () => {
      await handle.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function save(r: CaseResult): string | null {
  if (args['no-save']) return null;
  fs.mkdirSync(CORPUS_DIR, { recursive: true });
  const file = path.join(CORPUS_DIR, r.case.name);
  fs.writeFileSync(file, r.case.bytes);
  return path.relative(process.cwd(), file);
}

const seeds = fuzzSeeds({ large: !args['no-large'] });
const db = await openDatabase();
const pool = new DecodePool({ fileTimeLimitMs: fileLimitMs });
// The thread's start (loading the decoder through tsx: seconds) is not any mutant's time.
await pool.decode(seeds[0]!.bytes, 'warm-up');
const importer = new FuzzImporter(db.db, pool.decode, { slowMs: fileLimitMs });
const tally = new FuzzTally();
const started = performance.now();
let done = 0;
let withFindings = 0;
console.log(
  `FIT fuzz: ${count} mutants from seed ${seed} (first ${first}), ${seeds.length} seed files, per-file limit ${fileLimitMs} ms, into ${db.where}; ` +
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
);
try {
  await importCases(importer, mutantCases(seeds, seed, count, first), (r) => {
    tally.add(r);
    done++;
    if (r.findings.length > 0) {
      withFindings++;
      const saved = save(r);
      console.log(`FINDING ${r.case.name}: ${r.status}${r.reason === null ? '' : ` (${r.reason})`}`);
      for (const f of r.findings) console.log(`  ${f.kind}: ${f.detail}`);
      if (saved !== null) console.log(`  saved as ${saved}`);
    }
    if (done % 500 === 0) console.log(`  ${done}/${count} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }, { stop: () => withFindings >= maxFindings });
  if (withFindings >= maxFindings) console.log(`stopped after ${withFindings} files with findings (--max-findings)`);
  const final = await importer.finalCheck();
  tally.addFindings(final);
  for (const f of final) console.log(`FINDING (whole run) ${f.kind}: ${f.detail}`);
} finally {
  await pool.close();
  await db.cleanup();
}
const seconds = (performance.now() - started) / 1000;
const s = tally.summary();
for (const e of escaped) console.log(`FINDING ${e}`);
console.log(`\n${s.files} files in ${seconds.toFixed(1)} s (${(s.files / seconds).toFixed(1)} files/s), ${s.activities} activities stored`);
console.log(`outcomes: ${Object.entries(s.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`findings: ${Object.entries(s.findings).map(([k, v]) => `${k} ${v}`).join(', ')}${escaped.length > 0 ? `, escaped ${escaped.length}` : ''}`);
console.log(`max per-file ${s.maxMs.toFixed(0)} ms (import wall time, ${IMPORT_CONCURRENCY} in flight); slowest:`);
for (const x of s.slowest) console.log(`  ${x.ms.toFixed(0)} ms  ${x.status}  ${x.name}`);
console.log('top failure reasons (numbers as N):');
for (const [reason, n] of s.topReasons) console.log(`  ${String(n).padStart(5)}  ${reason}`);
const total = Object.values(s.findings).reduce((a, b) => a + b, 0) + escaped.length;
process.exitCode = total > 0 ? 1 : 0;
finished = true;
