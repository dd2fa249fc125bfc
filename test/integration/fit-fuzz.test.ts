/**
 * The FIT import under fuzzing, bounded for CI; the full run is `npm run fuzz` (bench/fuzz-fit.ts,
 * results in docs/fit-import.md, "Fuzzing").
 *
 * On each back end, 300 mutants of the fixtures from a fixed seed (bit flips, truncations, inflated
 * header, field sizes and field counts, records duplicated or removed — most re-closed with valid
 * CRCs so they reach the decoder) go through the real import: `importFitFile`, four files in flight,
 * decoding on a DecodePool thread with a per-file time limit. Each must end `imported` or `failed`
 * with a reason (`duplicate` only for bytes seen before), with no crash, no hang and nothing partial
 * stored (test/support/fit-fuzz.ts checks the rows). Then every file of the regression corpus
 * (test/fixtures/fit-fuzz/: mutants that once found a bug) is imported once, the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecodePool } from '../../src/ingest/fit/decode-pool.ts';
import { BACKENDS, createTestDb, type TestDb } from '../support/db.ts';
import { corpusCases, FuzzImporter, fuzzSeeds, importCases, mutantCases, type CaseResult, type FuzzCase } from '../support/fit-fuzz.ts';

const SEED = 20261206;
/** Mutants per back end: each takes its own range of the seed's mutants. */
const COUNT = 300;
/** The decode's limit per file, and the whole import's (generous: CI machines are busy). */
const FILE_LIMIT_MS = 10_000;
const SLOW_MS = 20_000;

/**
 * What the files of the corpus give since their bug was fixed (by the start of their name). Files the
 * fuzzer adds later need no entry: the checks of every import hold for them.
 */
const FIXED: Array<[string, Partial<Pick<CaseResult, 'status' | 'activities'>> & { reason?: RegExp; warning?: RegExp }]> = [
  // A file_id definition turned into a set's: the serial number became the repetitions, beyond the integer column.
  ['s1-m000068-', { status: 'imported', activities: 1 }],
  ['s1-m000302-', { status: 'imported', activities: 1 }],
  // 5,103 sets in one activity: one INSERT of 45,927 values broke the embedded database for every later file.
  ['s1-m000427-', { status: 'imported', warning: /has 5103 sets, more than a real recording has: the first 2000 were kept/ }],
  // A record definition turned into a session's: 1,863 sessions, an import of 12 s; 24,000 (the 1 MB file) broke the embedded database.
  ['s1-m000084-', { status: 'failed', reason: /^the file holds 1863 sessions: no recording has that many/ }],
];

/** Every finding as one line, so that a failure names the file to look at. */
function findingsOf(results: CaseResult[]): string[] {
  return results.flatMap((r) => r.findings.map((f) => `${r.case.name}: ${r.status}: ${f.kind}: ${f.detail}`));
}

describe.each(BACKENDS)('FIT import fuzzing on %s', (kind) => {
  let t: TestDb;
  let pool: DecodePool;
  let importer: FuzzImporter;
  const seeds = fuzzSeeds({ large: false });

  async function importAll(cases: Iterable<FuzzCase>): Promise<CaseResult[]> {
    const results: CaseResult[] = [];
    await importCases(importer, cases, (r) => results.push(r));
    return results;
  }

  beforeAll(async () => {
    t = await createTestDb(kind);
    pool = new DecodePool({ fileTimeLimitMs: FILE_LIMIT_MS });
    // The thread's start is no mutant's time.
    await pool.decode(seeds[0]!.bytes, 'warm-up');
    importer = new FuzzImporter(t.db, pool.decode, { slowMs: SLOW_MS });
  });
  afterAll(async () => {
    await pool.close();
    await t.drop();
  });

  it(`${COUNT} mutants: each imported or failed with a reason, no crash, hang or partial store`, async () => {
    const first = kind === 'postgres' ? 0 : COUNT;
    const results = await importAll(mutantCases(seeds, SEED, COUNT, first));
    expect(results.map((r) => r.case.mutant?.index)).toEqual(Array.from({ length: COUNT }, (_, k) => first + k));
    expect(findingsOf(results)).toEqual([]);
    for (const r of results) {
      expect(['imported', 'failed', 'duplicate']).toContain(r.status);
      if (r.status === 'failed') expect(r.reason?.trim()).not.toBe('');
    }
    // The mutants reach the decoder: many import, and most failures are past the CRC check.
    const imported = results.filter((r) => r.status === 'imported').length;
    const failed = results.filter((r) => r.status === 'failed');
    expect(imported).toBeGreaterThan(COUNT / 4);
    expect(failed.length).toBeGreaterThan(COUNT / 5);
    expect(failed.filter((r) => r.reason?.startsWith('CRC mismatch') === true).length).toBeLessThan(failed.length / 2);
    expect(await importer.finalCheck()).toEqual([]);
  });

  it('imports every file of the regression corpus once, with no finding', async () => {
    const cases = corpusCases();
    expect(cases.length).toBeGreaterThan(0);
    const results = await importAll(cases);
    expect(results).toHaveLength(cases.length);
    expect(findingsOf(results)).toEqual([]);
    expect(await importer.finalCheck()).toEqual([]);
    for (const [prefix, expected] of FIXED) {
      const r = results.find((x) => x.case.name.startsWith(prefix));
      expect(r, prefix).toBeDefined();
      if (r === undefined) continue;
      if (expected.status !== undefined) expect(r.status, r.case.name).toBe(expected.status);
      if (expected.activities !== undefined) expect(r.activities, r.case.name).toBe(expected.activities);
      if (expected.reason !== undefined) expect(r.reason, r.case.name).toMatch(expected.reason);
      if (expected.warning !== undefined) expect(r.warnings.join('\n'), r.case.name).toMatch(expected.warning);
    }
  });
});
