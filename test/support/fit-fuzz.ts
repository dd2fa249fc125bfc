/**
 * The FIT import fuzzer's core, shared by `npm run fuzz` (bench/fuzz-fit.ts) and the CI-bounded test
 * (test/integration/fit-fuzz.test.ts): mutants of the fixtures (test/support/fit-mutate.ts) go through
 * the real import — `importFitFile`, IMPORT_CONCURRENCY files in flight, decoding on a DecodePool
 * thread with its per-file time limit, as `kinetic import` does — into a real database, and every
 * file's fate is checked there:
 *
 * - exactly one result, `imported` or `failed` with a non-empty reason — or `duplicate` exactly when
 *   the same bytes came earlier in the run; importFitFile never throws;
 * - no crash (the decoder crashing, its thread dying, the database refusing what the decoder made, a
 *   JavaScript error's text in a reason) and no hang (the per-file time limit of the decode, and a
 *   limit on the whole import of one file: writes too can run away);
 * - nothing partial: a failed upload has no activity, and so no laps, sets or streams; an imported
 *   one has its activities linked to it, owned by its athlete, and their laps, sets and streams belong
 *   to them (indexes 0…n−1, a stream blob that decodes to its sample count).
 *
 * Each distinct file is imported for an athlete of its own, so that a mutant reading as the same
 * recording (serial number and creation time) as an earlier one is stored again, and its rows are its
 * own to check; a repeat of earlier bytes goes to that earlier file's athlete and must be a duplicate.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { decodeStreams } from '../../src/domain/streams-codec.ts';
import { runOrdered } from '../../src/domain/pool.ts';
import type { FitDecoder } from '../../src/ingest/fit/decode.ts';
import { IMPORT_CONCURRENCY, importFitFile, sha256Hex, type ImportResult } from '../../src/services/fit-import.ts';
import { fixture } from './fixtures.ts';
import {
  chainedRunAndSwim,
  poolSwimWithUntimedRecords,
  runWithUnanchoredHrMessages,
  sessionlessRide,
  strengthWithUntimedSet,
  triathlonSummaryThatBreaksTheSdk,
  workoutFile,
} from './fit-oddities.ts';
import { mutant, mutantFileName, type Mutant, type MutationSeed } from './fit-mutate.ts';

/** The regression corpus: mutants that found a bug, imported once by the CI test. */
export const CORPUS_DIR = fileURLToPath(new URL('../fixtures/fit-fuzz/', import.meta.url));

/** The 1 MB multisport file: decodes in ~0.7 s, so it is picked rarely (and left out of the CI test). */
export const LARGE_SEED = 'fenix2-1mb';

/**
 * What mutants are made from: the vendored real files (test/fixtures/fit, both corrupt ones too) and
 * the odd shapes of fit-oddities.ts (chained, sessionless, hr messages, a file the SDK throws on…).
 * Weights favour small files: a mutant of a small file costs milliseconds and damages a larger share.
 */
export function fuzzSeeds(opts: { large: boolean } = { large: true }): MutationSeed[] {
  const seeds: MutationSeed[] = [
    { name: 'fr110', bytes: fixture('run-garmin-fr110-hr.fit'), weight: 14 },
    { name: 'fenix2', bytes: fixture('run-garmin-fenix2-hr.fit'), weight: 5 },
    { name: 'fr965-27sets', bytes: fixture('strength-garmin-fr965-27sets.fit'), weight: 8 },
    { name: 'fr965-76sets', bytes: fixture('strength-garmin-fr965-76sets.fit'), weight: 5 },
    { name: 'fr70-compressed', bytes: fixture('edge-compressed-timestamps-fr70-run.fit'), weight: 12 },
    { name: 'sdk-bad-crc', bytes: fixture('corrupt-bad-file-crc.fit'), weight: 5 },
    { name: 'sdk-truncated', bytes: fixture('corrupt-truncated-eof.fit'), weight: 4 },
    { name: 'odd-chained', bytes: chainedRunAndSwim().bytes, weight: 6 },
    { name: 'odd-sessionless', bytes: sessionlessRide(), weight: 4 },
    { name: 'odd-untimed-set', bytes: strengthWithUntimedSet(), weight: 4 },
    { name: 'odd-tri-summary', bytes: triathlonSummaryThatBreaksTheSdk(), weight: 4 },
    { name: 'odd-hr-mesgs', bytes: runWithUnanchoredHrMessages(), weight: 4 },
    { name: 'odd-pool-swim', bytes: poolSwimWithUntimedRecords(), weight: 4 },
    { name: 'odd-workout', bytes: workoutFile(), weight: 2 },
  ];
  if (opts.large) seeds.push({ name: LARGE_SEED, bytes: fixture('large-1MB-multisport-fenix2-hr.fit'), weight: 0.6 });
  return seeds;
}

/** One file to import: a mutant, or a file of the regression corpus. */
export interface FuzzCase {
  /** File name: a mutant's says how to make it again. */
  name: string;
  bytes: Uint8Array;
  mutant?: Mutant;
}

export function mutantCases(seeds: readonly MutationSeed[], seed: number, count: number, first = 0): Iterable<FuzzCase> {
  return {
    *[Symbol.iterator]() {
      for (let i = first; i < first + count; i++) {
        const m = mutant(seeds, seed, i);
        yield { name: mutantFileName(m), bytes: m.bytes, mutant: m };
      }
    },
  };
}

export function corpusCases(dir = CORPUS_DIR): FuzzCase[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.fit'))
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(dir, name))) }));
}

export type FindingKind = 'crash' | 'hang' | 'partial' | 'inconsistent' | 'unexpected';

export interface Finding {
  kind: FindingKind;
  detail: string;
}

export interface CaseResult {
  case: FuzzCase;
  /** `threw`: importFitFile rejected (it must not, once the file is stored). */
  status: ImportResult['status'] | 'threw';
  /** The failure's reason (or what was thrown). */
  reason: string | null;
  activities: number;
  /** The import's warnings (imported files). */
  warnings: string[];
  /** Wall time of importFitFile, IMPORT_CONCURRENCY files in flight (so it includes waiting its turn). */
  ms: number;
  findings: Finding[];
}

/** The reasons of a decoder or thread that crashed, or of the database refusing what was decoded. */
const CRASH_REASON = /^Kinetic's FIT reader (crashed|stopped|ran out|failed|could not start)|^Kinetic could not save/;
/** A JavaScript error's text in a reason: a bug met by the file, however politely it was caught. */
const JS_ERROR_TEXT =
  /TypeError|RangeError|ReferenceError|SyntaxError|Cannot (read|set) propert|is not a function|is not iterable|is not defined|Invalid (time value|array length|typed array length|Date)|Maximum call stack|undefined|NaN|\[object /;
const HANG_REASON = /took longer than [\d.]+ s to read/;

function classifyReason(reason: string): Finding | null {
  if (HANG_REASON.test(reason)) return { kind: 'hang', detail: reason };
  if (CRASH_REASON.test(reason) || JS_ERROR_TEXT.test(reason)) return { kind: 'crash', detail: reason };
  return null;
}

/** Imports fuzz cases and checks each one's rows; see the module comment. */
export class FuzzImporter {
  /** Athlete of each distinct file, by SHA-256 (a promise: a repeat may come while it is created). */
  private readonly athletes = new Map<string, Promise<string>>();
  private made = 0;

  private readonly now: () => Date;
  private readonly slowMs: number;

  /**
   * `slowMs`: an import (decode and writes) taking longer is a hang too. The DecodePool's limit stops
   * a decode that runs away; nothing stops writes that do (thousands of activities from one file).
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly decode: FitDecoder,
    opts: { now?: () => Date; slowMs?: number } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.slowMs = opts.slowMs ?? 10_000;
  }

  async run(c: FuzzCase): Promise<CaseResult> {
    const sha = sha256Hex(c.bytes);
    const earlier = this.athletes.get(sha);
    const athlete = earlier ?? this.newAthlete();
    if (earlier === undefined) this.athletes.set(sha, athlete);
    const athleteId = await athlete;
    const started = performance.now();
    let result: ImportResult | { status: 'threw'; error: string };
    try {
      result = await importFitFile(this.db, { athleteId, filename: c.name, bytes: c.bytes }, this.now, this.decode);
    } catch (err) {
      result = { status: 'threw', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
    const ms = performance.now() - started;
    const findings: Finding[] = [];
    const reason = result.status === 'failed' || result.status === 'threw' ? result.error : null;
    if (ms > this.slowMs) findings.push({ kind: 'hang', detail: `the import took ${Math.round(ms)} ms (more than ${this.slowMs})` });
    if (result.status === 'threw') findings.push({ kind: 'crash', detail: `importFitFile threw: ${result.error}` });
    if (reason !== null) {
      const f = result.status === 'failed' ? classifyReason(reason) : null;
      if (f !== null) findings.push(f);
      if (reason.trim() === '') findings.push({ kind: 'unexpected', detail: 'failed without a reason' });
    }
    if (earlier !== undefined && result.status !== 'duplicate') {
      findings.push({ kind: 'unexpected', detail: `same bytes as an earlier file, but ${result.status} (not duplicate)` });
    }
    if (earlier === undefined && result.status === 'duplicate') {
      findings.push({ kind: 'unexpected', detail: 'duplicate, but no earlier file had these bytes (and the athlete is new)' });
    }
    try {
      findings.push(...(await this.checkRows(athleteId, sha, result)));
    } catch (err) {
      // The database refusing a plain SELECT after this file: the import left it broken.
      findings.push({ kind: 'crash', detail: `checking its rows failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}` });
    }
    const activities = result.status === 'imported' ? result.activities.length : 0;
    const warnings = result.status === 'imported' || result.status === 'duplicate' ? result.warnings : [];
    return { case: c, status: result.status, reason, activities, warnings, ms, findings };
  }

  private async newAthlete(): Promise<string> {
    const row = await this.db
      .insertInto('athletes')
      .values({ name: `fuzz ${++this.made}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** What the database holds for this file's athlete, against its result. */
  private async checkRows(athleteId: string, sha: string, result: ImportResult | { status: 'threw' }): Promise<Finding[]> {
    const problems: string[] = [];
    const uploads = await this.db.selectFrom('uploads').select(['id', 'status', 'error']).where('athlete_id', '=', athleteId).where('sha256', '=', sha).execute();
    const upload = uploads[0];
    if (uploads.length !== 1 || upload === undefined) return [{ kind: 'inconsistent', detail: `${uploads.length} uploads of these bytes` }];
    if (upload.status === 'queued' || upload.status === 'processing') problems.push(`upload left ${upload.status}`);
    const linked = await this.db.selectFrom('upload_activities').select('activity_id').where('upload_id', '=', upload.id).execute();
    const linkedIds = new Set(linked.map((l) => l.activity_id));
    const activities = await this.db.selectFrom('activities').select(['id', 'elapsed_s', 'start_time']).where('athlete_id', '=', athleteId).execute();
    const ids = activities.map((a) => a.id);
    const laps = ids.length === 0 ? [] : await this.db.selectFrom('laps').select(['activity_id', 'lap_index']).where('activity_id', 'in', ids).execute();
    const sets = ids.length === 0 ? [] : await this.db.selectFrom('strength_sets').select(['activity_id', 'set_index']).where('activity_id', 'in', ids).execute();
    const streams = ids.length === 0 ? [] : await this.db.selectFrom('activity_streams').select(['activity_id', 'sample_count', 'data']).where('activity_id', 'in', ids).execute();

    if (upload.status === 'failed') {
      if (upload.error === null || upload.error.trim() === '') problems.push('failed upload without an error');
      const partial = [
        linked.length > 0 ? `${linked.length} linked activities` : '',
        activities.length > 0 ? `${activities.length} activities` : '',
        laps.length > 0 ? `${laps.length} laps` : '',
        sets.length > 0 ? `${sets.length} sets` : '',
        streams.length > 0 ? `${streams.length} streams` : '',
      ].filter((p) => p !== '');
      if (partial.length > 0) return [{ kind: 'partial', detail: `failed upload, yet stored: ${partial.join(', ')}` }, ...problems.map((detail) => ({ kind: 'inconsistent' as const, detail }))];
    }
    if (result.status === 'failed' && upload.status !== 'failed') problems.push(`result failed, upload ${upload.status}`);
    if (result.status === 'imported') {
      if (upload.status !== 'imported') problems.push(`result imported, upload ${upload.status}`);
      if (upload.error !== null) problems.push(`imported upload with an error: ${upload.error}`);
      if (result.activities.length === 0) problems.push('imported without activities');
      if (result.activities.some((a) => !a.created)) problems.push('imported for a new athlete, yet an activity was already there');
      if (linked.length !== result.activities.length) problems.push(`${result.activities.length} activities reported, ${linked.length} linked`);
      const unlinked = ids.filter((id) => !linkedIds.has(id));
      if (unlinked.length > 0) problems.push(`${unlinked.length} of the athlete's activities not linked to the upload`);
      for (const a of activities) {
        if (!Number.isFinite(a.elapsed_s) || a.elapsed_s < 0) problems.push(`activity elapsed_s ${a.elapsed_s}`);
        if (!Number.isFinite(new Date(a.start_time).getTime())) problems.push('activity start_time invalid');
      }
    }
    for (const [what, rows] of [
      ['lap', laps.map((l) => [l.activity_id, l.lap_index] as const)],
      ['set', sets.map((s) => [s.activity_id, s.set_index] as const)],
    ] as const) {
      const byActivity = new Map<string, number[]>();
      for (const [id, index] of rows) byActivity.set(id, [...(byActivity.get(id) ?? []), index]);
      for (const [id, indexes] of byActivity) {
        if (!linkedIds.has(id)) problems.push(`${what}s of an activity not linked to the upload`);
        const sorted = [...indexes].sort((a, b) => a - b);
        if (sorted.some((v, k) => v !== k)) problems.push(`${what} indexes not 0…${sorted.length - 1}: ${sorted.slice(0, 8).join(',')}`);
      }
    }
    for (const s of streams) {
      if (!linkedIds.has(s.activity_id)) problems.push('streams of an activity not linked to the upload');
      try {
        const n = decodeStreams(s.data).t.length;
        if (n !== s.sample_count) problems.push(`stream blob holds ${n} samples, sample_count says ${s.sample_count}`);
      } catch (err) {
        problems.push(`stream blob does not decode: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return problems.map((detail) => ({ kind: 'inconsistent', detail }));
  }

  /** After a run: no upload left queued or processing, no activity without its upload. */
  async finalCheck(): Promise<Finding[]> {
    const findings: Finding[] = [];
    const open = await this.db.selectFrom('uploads').select('id').where('status', 'in', ['queued', 'processing']).execute();
    if (open.length > 0) findings.push({ kind: 'inconsistent', detail: `${open.length} uploads left queued or processing` });
    const orphans = await this.db
      .selectFrom('activities')
      .leftJoin('upload_activities', 'upload_activities.activity_id', 'activities.id')
      .select('activities.id')
      .where('upload_activities.activity_id', 'is', null)
      .execute();
    if (orphans.length > 0) findings.push({ kind: 'partial', detail: `${orphans.length} activities linked to no upload` });
    return findings;
  }
}

/** Imports `cases` as `kinetic import` does (IMPORT_CONCURRENCY in flight) and hands each result on in order. */
export async function importCases(
  importer: FuzzImporter,
  cases: Iterable<FuzzCase>,
  onResult: (r: CaseResult) => void,
  opts: { concurrency?: number; stop?: () => boolean } = {},
): Promise<void> {
  const tasks = (function* () {
    for (const c of cases) {
      // Asked to stop (too many findings: the database is broken, say): no new file starts.
      if (opts.stop?.() === true) return;
      yield () => importer.run(c);
    }
  })();
  const concurrency = opts.concurrency ?? IMPORT_CONCURRENCY;
  await runOrdered(tasks, concurrency, onResult);
}

export interface FuzzSummary {
  files: number;
  byStatus: Record<string, number>;
  findings: Record<FindingKind, number>;
  /** Failure reasons with their numbers replaced by N, most frequent first. */
  topReasons: Array<[string, number]>;
  maxMs: number;
  slowest: Array<{ name: string; ms: number; status: string }>;
  activities: number;
}

/** Reasons grouped: numbers (byte positions, counts) become N. */
export function reasonShape(reason: string): string {
  return reason.replace(/\d+(\.\d+)?/g, 'N');
}

export class FuzzTally {
  private readonly results: Array<{ name: string; ms: number; status: string }> = [];
  private readonly byStatus: Record<string, number> = {};
  private readonly reasons = new Map<string, number>();
  private readonly findingCounts: Record<FindingKind, number> = { crash: 0, hang: 0, partial: 0, inconsistent: 0, unexpected: 0 };
  private activities = 0;

  add(r: CaseResult): void {
    this.results.push({ name: r.case.name, ms: r.ms, status: r.status });
    this.byStatus[r.status] = (this.byStatus[r.status] ?? 0) + 1;
    if (r.reason !== null) this.reasons.set(reasonShape(r.reason), (this.reasons.get(reasonShape(r.reason)) ?? 0) + 1);
    for (const f of r.findings) this.findingCounts[f.kind]++;
    this.activities += r.activities;
  }

  addFindings(findings: Finding[]): void {
    for (const f of findings) this.findingCounts[f.kind]++;
  }

  summary(top = 12): FuzzSummary {
    const slowest = [...this.results].sort((a, b) => b.ms - a.ms).slice(0, 5);
    return {
      files: this.results.length,
      byStatus: { ...this.byStatus },
      findings: { ...this.findingCounts },
      topReasons: [...this.reasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, top),
      maxMs: slowest[0]?.ms ?? 0,
      slowest,
      activities: this.activities,
    };
  }
}
