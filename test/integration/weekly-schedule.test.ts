/**
 * The weekly report schedule on real Redis and Postgres, driven by a controlled clock.
 *
 * How the clock is controlled, honestly: BullMQ 6.7 computes a job scheduler's next run on the client
 * (`JobScheduler.upsertJobScheduler`: cron-parser with the scheduler's `tz`, from `Date.now()` or the
 * previous run), and its Lua scripts take every timestamp from the client too — the delayed job's
 * time when a run is added, and "now" when a worker's `moveToActive` promotes due delayed jobs. So
 * faking `Date` alone (vitest fake timers, `toFake: ['Date']`; real timers and sockets) moves BullMQ's
 * whole notion of time while Redis, the Lua scripts and cron-parser run for real. Workers here are
 * BullMQ workers in manual mode (`getNextJob` without blocking, then `moveToCompleted`), stepped to
 * each run the schedulers announce: one millisecond before it nothing may be fetched, at it the run
 * is fetched, and the real `report-tick` handler queues the week's `weekly-report` job.
 *
 * Expected instants are written by hand (07:00 Berlin is 06:00Z in winter and 05:00Z in summer), not
 * computed by the code under test; every other week is checked by formatting the instant in the
 * athlete's zone with Intl.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import type { Athlete } from '../../src/db/schema.ts';
import { addWeeks } from '../../src/domain/iso-week.ts';
import { registerWorker, type RegisteredWorker } from '../../src/jobs/bullmq.ts';
import type { JobDeps } from '../../src/workers/deps.ts';
import { HANDLERS } from '../../src/workers/handlers.ts';
import { PAYLOADS } from '../../src/jobs/queues.ts';
import {
  applyReportSchedule,
  keepReportScheduleInSync,
  removeReportSchedule,
  reportSchedulerId,
  startReportSchedule,
  syncReportSchedule,
} from '../../src/services/report-schedule.ts';
import { BIN, runCli } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { captureLogger, createTestQueues, waitFor, type LogLine, type TestQueues } from '../support/queues.ts';
import { NO_FIT_FILES } from '../support/decoding.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/** `Mon 07:00` of an instant in a zone (Intl, independent of the code under test). */
function localLabel(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '?';
  return `${get('weekday')} ${get('hour')}:${get('minute')}`;
}

interface TickRun {
  athleteId: string;
  /** The run's time as the scheduler computed it (its job id is `repeat:<scheduler>:<millis>`). */
  scheduledFor: number;
  /** The controlled clock when a worker fetched it. */
  fetchedAt: number;
  worker: number;
}

/** Manual BullMQ workers on `report-tick`, run at the controlled clock with the real handler. */
class TickWorkers {
  readonly runs: TickRun[] = [];
  private readonly workers: Worker[];

  constructor(
    private readonly q: TestQueues,
    private readonly deps: JobDeps,
    count: number,
    /** Runs the handler a second time for every tick (a tick delivered twice). */
    private readonly twice = false,
  ) {
    this.workers = Array.from(
      { length: count },
      () => new Worker('report-tick', null, { connection: { url: q.redisUrl, maxRetriesPerRequest: null }, prefix: q.prefix, autorun: false }),
    );
  }

  /** Every worker fetches at once, again and again, until no run is due at the controlled clock. */
  async runDue(): Promise<TickRun[]> {
    const done: TickRun[] = [];
    for (;;) {
      // All at once, the first to ask chosen at random.
      const turn = Math.floor(Math.random() * this.workers.length);
      const order = [...this.workers.keys()].map((k) => (k + turn) % this.workers.length);
      const fetched = await Promise.all(
        order.map(async (i) => {
          const w = this.workers[i]!;
          const token = randomUUID();
          const job = (await w.getNextJob(token, { block: false })) as Job | undefined;
          return job === undefined ? undefined : { job, token, worker: i };
        }),
      );
      const jobs = fetched.filter((f) => f !== undefined);
      if (jobs.length === 0) return done;
      for (const { job, token, worker } of jobs) {
        const payload = PAYLOADS['report-tick'].parse(job.data);
        const result = await HANDLERS['report-tick'](payload, this.deps);
        if (this.twice) await HANDLERS['report-tick'](payload, this.deps);
        await job.moveToCompleted(result, token, false);
        const run = { athleteId: payload.athleteId, scheduledFor: Number(job.id!.split(':').at(-1)), fetchedAt: Date.now(), worker };
        this.runs.push(run);
        done.push(run);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

/** The earliest next run BullMQ's schedulers hold. */
async function nextRun(q: TestQueues): Promise<number> {
  const schedulers = await q.queues.queue('report-tick').getJobSchedulers();
  const next = schedulers.map((s) => s.next).filter((n) => n !== undefined);
  expect(next.length).toBeGreaterThan(0);
  return Math.min(...next);
}

/**
 * Steps the controlled clock from run to run until `until`: at each announced run, one ms before it
 * nothing is due; at it, the due runs are fetched and handled. `beforeRun` may act at the run's time.
 */
async function stepThrough(q: TestQueues, workers: TickWorkers, until: string, beforeRun?: (at: number) => Promise<void>): Promise<void> {
  const end = Date.parse(until);
  for (;;) {
    const at = await nextRun(q);
    if (at > end) return;
    vi.setSystemTime(at - 1);
    expect(await workers.runDue(), `nothing due 1 ms before ${iso(at)}`).toEqual([]);
    vi.setSystemTime(at);
    await beforeRun?.(at);
    await workers.runDue();
  }
}

interface ReportJob {
  athleteId: string;
  isoWeek: string;
  jobId: string;
  /** When it was added (BullMQ job timestamp: the controlled clock). */
  addedAt: number;
}

async function reportJobs(q: TestQueues): Promise<ReportJob[]> {
  const jobs = await q.queues.queue('weekly-report').getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized']);
  return jobs
    .map((j) => {
      const p = PAYLOADS['weekly-report'].parse(j.data);
      return { athleteId: p.athleteId, isoWeek: p.isoWeek, jobId: j.id!, addedAt: j.timestamp };
    })
    .sort((a, b) => a.addedAt - b.addedAt || a.isoWeek.localeCompare(b.isoWeek));
}

/** Consecutive ISO weeks from `first` to `last`. */
function weeksFrom(first: string, last: string): string[] {
  const out: string[] = [];
  for (let w = first; w <= last; w = addWeeks(w, 1)) out.push(w);
  return out;
}

describe('weekly report schedule (BullMQ job schedulers, controlled clock)', () => {
  let t: TestDb;
  let q: TestQueues;
  let lines: LogLine[];
  let deps: JobDeps;
  let tick: TickWorkers | undefined;
  const started: RegisteredWorker[] = [];

  // A database per test: worker start reads every athlete there is.
  beforeEach(async () => {
    t = await createTestDb('postgres');
    const captured = captureLogger();
    lines = captured.lines;
    q = createTestQueues(captured.log);
    deps = { db: t.db, log: captured.log, now: () => new Date(), queue: q.queues, decodePool: NO_FIT_FILES };
  });
  afterEach(async () => {
    await tick?.close();
    tick = undefined;
    for (const w of started.splice(0)) await w.close();
    vi.useRealTimers();
    await q.cleanup();
    await t.drop();
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  /** Berlin Monday 07:00 (the default), New York Tuesday 06:30, Sydney Monday 07:00; created at `createdAt`. */
  async function threeAthletes(createdAt: string): Promise<{ berlin: Athlete; newYork: Athlete; sydney: Athlete }> {
    const base = { email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, created_at: createdAt };
    return {
      berlin: await createAthlete(t.db, { ...base, name: 'Berlin', timezone: 'Europe/Berlin' }),
      newYork: await createAthlete(t.db, { ...base, name: 'New York', timezone: 'America/New_York', report_weekday: 2, report_time: '06:30' }),
      sydney: await createAthlete(t.db, { ...base, name: 'Sydney', timezone: 'Australia/Sydney' }),
    };
  }

  it('athletes in three time zones across the 2026 DST changes get exactly one report job per week at their local time', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = '2026-02-23T00:00:00Z';
    vi.setSystemTime(new Date(start));
    const { berlin, newYork, sydney } = await threeAthletes(start);
    for (const a of [berlin, newYork, sydney]) await syncReportSchedule(q.queues, a);
    tick = new TickWorkers(q, deps, 1);

    // Through New York's March change (8 Mar), Berlin's (29 Mar), Sydney's April (5 Apr) and October
    // (4 Oct) changes, Berlin's October (25 Oct) and New York's November (1 Nov) changes.
    await stepThrough(q, tick, '2026-11-04T00:00:00Z');

    const jobs = await reportJobs(q);
    const expected: [Athlete, string, string, string][] = [
      [berlin, '2026-W08', '2026-W44', 'Mon 07:00'],
      [newYork, '2026-W08', '2026-W44', 'Tue 06:30'],
      // Sydney's report for week 8 was due on Sunday 22 February 20:00Z, before the athlete existed.
      [sydney, '2026-W09', '2026-W44', 'Mon 07:00'],
    ];
    for (const [a, first, last, local] of expected) {
      const mine = jobs.filter((j) => j.athleteId === a.id);
      // Exactly one job per week, every week, each added when its week fell due by the athlete's clock.
      expect(mine.map((j) => j.isoWeek)).toEqual(weeksFrom(first, last));
      expect(mine.map((j) => j.jobId)).toEqual(mine.map((j) => `weekly-report-${a.id}-${j.isoWeek}`));
      expect(new Set(mine.map((j) => localLabel(j.addedAt, a.timezone)))).toEqual(new Set([local]));
      // One scheduler run per week, fetched at the instant it was scheduled for.
      const runs = tick.runs.filter((r) => r.athleteId === a.id);
      expect(runs.map((r) => r.fetchedAt)).toEqual(mine.map((j) => j.addedAt));
      expect(runs.every((r) => r.fetchedAt === r.scheduledFor)).toBe(true);
    }

    // The UTC instants around each change, by hand.
    const addedAt = (a: Athlete, week: string): string => iso(jobs.find((j) => j.athleteId === a.id && j.isoWeek === week)!.addedAt);
    expect({
      berlinWinter: addedAt(berlin, '2026-W12'),
      berlinFirstSummer: addedAt(berlin, '2026-W13'),
      berlinLastSummer: addedAt(berlin, '2026-W42'),
      berlinFirstWinter: addedAt(berlin, '2026-W43'),
      newYorkEst: addedAt(newYork, '2026-W09'),
      newYorkFirstEdt: addedAt(newYork, '2026-W10'),
      newYorkLastEdt: addedAt(newYork, '2026-W43'),
      newYorkFirstEst: addedAt(newYork, '2026-W44'),
      sydneyLastAedt: addedAt(sydney, '2026-W13'),
      sydneyFirstAest: addedAt(sydney, '2026-W14'),
      sydneyLastAest: addedAt(sydney, '2026-W39'),
      sydneyFirstAedt: addedAt(sydney, '2026-W40'),
    }).toEqual({
      berlinWinter: '2026-03-23T06:00:00.000Z',
      berlinFirstSummer: '2026-03-30T05:00:00.000Z',
      berlinLastSummer: '2026-10-19T05:00:00.000Z',
      berlinFirstWinter: '2026-10-26T06:00:00.000Z',
      newYorkEst: '2026-03-03T11:30:00.000Z',
      newYorkFirstEdt: '2026-03-10T10:30:00.000Z',
      newYorkLastEdt: '2026-10-27T10:30:00.000Z',
      newYorkFirstEst: '2026-11-03T11:30:00.000Z',
      sydneyLastAedt: '2026-03-29T20:00:00.000Z',
      sydneyFirstAest: '2026-04-05T21:00:00.000Z',
      sydneyLastAest: '2026-09-27T21:00:00.000Z',
      sydneyFirstAedt: '2026-10-04T20:00:00.000Z',
    });
  });

  it('three workers, ticks delivered twice, settings saved and workers starting as runs fall due: still one report job per week', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = '2026-03-01T00:00:00Z';
    vi.setSystemTime(new Date(start));
    const athletes = Object.values(await threeAthletes(start));
    for (const a of athletes) await syncReportSchedule(q.queues, a);
    tick = new TickWorkers(q, deps, 3, true);

    let step = 0;
    await stepThrough(q, tick, '2026-04-15T00:00:00Z', async () => {
      step++;
      // Right at the instant a run is due, before any worker fetched it: the API saves the athletes'
      // (unchanged) settings, another worker starts (reconcile and catch-up), a scheduler is synced again.
      if (step % 2 === 0) for (const a of athletes) await applyReportSchedule({ db: t.db, queue: q.queues }, a, new Date());
      if (step % 3 === 0) await startReportSchedule({ db: t.db, queue: q.queues, log: deps.log }, new Date());
      if (step % 5 === 0) for (const a of athletes) expect(await syncReportSchedule(q.queues, a)).toBe('unchanged');
    });

    const jobs = await reportJobs(q);
    const firstWeek: Record<string, string> = { Berlin: '2026-W09', 'New York': '2026-W09', Sydney: '2026-W09' };
    for (const a of athletes) {
      const mine = jobs.filter((j) => j.athleteId === a.id);
      expect(mine.map((j) => j.isoWeek)).toEqual(weeksFrom(firstWeek[a.name]!, '2026-W15'));
      // Each at its local report time, whether the athlete's run or a catch-up at that instant queued it.
      const local = a.name === 'New York' ? 'Tue 06:30' : 'Mon 07:00';
      expect(mine.filter((j) => localLabel(j.addedAt, a.timezone) !== local)).toEqual([]);
      // BullMQ hands each run to one of the workers: one run per athlete per week, at its time.
      const runs = tick.runs.filter((r) => r.athleteId === a.id);
      expect(runs.map((r) => r.fetchedAt)).toEqual(mine.map((j) => j.addedAt));
    }
    // The three workers all took part.
    expect(new Set(tick.runs.map((r) => r.worker)).size).toBeGreaterThan(1);
    expect(await q.queues.queue('report-tick').getJobSchedulersCount()).toBe(3);
  });

  it('catches up after downtime: the missed weeks once each (at most 4 back), no burst of missed runs, then on schedule again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = '2026-03-02T00:00:00Z';
    vi.setSystemTime(new Date(start));
    // Created on Wednesday 25 February: the reports of week 9 on are theirs.
    const { berlin, newYork, sydney } = await threeAthletes('2026-02-25T00:00:00Z');
    for (const a of [berlin, newYork, sydney]) await syncReportSchedule(q.queues, a);
    tick = new TickWorkers(q, deps, 1);
    await stepThrough(q, tick, '2026-03-04T00:00:00Z'); // this week's runs: Berlin and New York W09 (Sydney's W09 ran Sunday 20:00Z, before the start)
    expect((await reportJobs(q)).map((j) => [j.athleteId, j.isoWeek])).toEqual([
      // Sydney's W09 run was due at 2026-03-01T20:00Z, before `start`: the first run BullMQ made is
      // next week's, so nothing of Sydney's yet; catch-up will bring W09 in.
      [berlin.id, '2026-W09'],
      [newYork.id, '2026-W09'],
    ]);

    // No worker runs from Wednesday 4 March until Wednesday 25 March (Berlin's change on the 29th is
    // still ahead). The schedulers' next runs, computed before the downtime, are overdue.
    const restart = Date.parse('2026-03-25T12:00:00Z');
    vi.setSystemTime(restart);
    const name = (j: ReportJob): string => `${j.athleteId === berlin.id ? 'berlin' : j.athleteId === newYork.id ? 'newYork' : 'sydney'} ${j.isoWeek}`;
    // A worker is back: each overdue run fires now, once (not once per missed week), and its tick
    // queues its athlete's missed weeks.
    const overdue = await tick.runDue();
    expect(overdue.map((r) => r.athleteId).sort()).toEqual([berlin.id, newYork.id, sydney.id].sort());
    expect(await tick.runDue()).toEqual([]);
    const missed = ['berlin 2026-W10', 'berlin 2026-W11', 'berlin 2026-W12', 'newYork 2026-W10', 'newYork 2026-W11', 'newYork 2026-W12', 'sydney 2026-W09', 'sydney 2026-W10', 'sydney 2026-W11', 'sydney 2026-W12'];
    expect((await reportJobs(q)).filter((j) => j.addedAt === restart).map(name).sort()).toEqual(missed);
    // The worker's start pass finds the schedulers in line, and asking again for those weeks adds nothing.
    expect(await startReportSchedule({ db: t.db, queue: q.queues, log: deps.log }, new Date())).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 3, athletes: 3 });
    expect((await reportJobs(q)).filter((j) => j.addedAt === restart).map(name).sort()).toEqual(missed);
    // BullMQ scheduled the next runs from now: back on each athlete's local time.
    const next = Object.fromEntries((await q.queues.queue('report-tick').getJobSchedulers()).map((s) => [s.key, iso(s.next!)]));
    expect(next).toEqual({
      [reportSchedulerId(berlin.id)]: '2026-03-30T05:00:00.000Z', // first Monday in CEST
      [reportSchedulerId(newYork.id)]: '2026-03-31T10:30:00.000Z', // EDT
      [reportSchedulerId(sydney.id)]: '2026-03-29T20:00:00.000Z', // still AEDT
    });
    await stepThrough(q, tick, '2026-04-08T00:00:00Z');
    const after = await reportJobs(q);
    expect(after.filter((j) => j.athleteId === berlin.id).map((j) => j.isoWeek)).toEqual(weeksFrom('2026-W09', '2026-W14'));
    expect(after.filter((j) => j.athleteId === sydney.id).map((j) => j.isoWeek)).toEqual(weeksFrom('2026-W09', '2026-W14'));
    expect(iso(after.find((j) => j.athleteId === sydney.id && j.isoWeek === '2026-W14')!.addedAt)).toBe('2026-04-05T21:00:00.000Z'); // first AEST Monday

    // A downtime longer than the catch-up window, six weeks: the start pass (before any run fires)
    // replaces the stuck schedulers' runs and queues the last 4 due weeks only.
    const restart2 = Date.parse('2026-05-20T12:00:00Z');
    vi.setSystemTime(restart2);
    expect(await startReportSchedule({ db: t.db, queue: q.queues, log: deps.log }, new Date())).toMatchObject({ added: 0, updated: 3, unchanged: 0 });
    const late = (await reportJobs(q)).filter((j) => j.addedAt === restart2 && j.athleteId === berlin.id).map((j) => j.isoWeek);
    expect(late).toEqual(['2026-W17', '2026-W18', '2026-W19', '2026-W20']); // weeks 15 and 16 are left out: due more than 4 weeks ago
    expect(await tick.runDue()).toEqual([]); // the overdue runs were replaced by the next ones
    expect(new Set((await q.queues.queue('report-tick').getJobSchedulers()).map((s) => iso(s.next!)))).toEqual(
      new Set(['2026-05-25T05:00:00.000Z', '2026-05-26T10:30:00.000Z', '2026-05-24T21:00:00.000Z']),
    );

    // Redis lost the schedulers too: the next start makes them again.
    for (const a of [berlin, newYork, sydney]) await removeReportSchedule(q.queues, a.id);
    expect(await startReportSchedule({ db: t.db, queue: q.queues, log: deps.log }, new Date())).toMatchObject({ added: 3, unchanged: 0 });
    expect(new Set((await reportJobs(q)).map((j) => j.jobId)).size).toBe((await reportJobs(q)).length);
  });

  it('a scheduler BullMQ cannot advance (Lord Howe Island, Sunday, the week its clocks go back) is made again by the hourly pass, in time', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = '2026-03-21T00:00:00Z';
    vi.setSystemTime(new Date(start));
    // Sunday 07:00 at Lord Howe: 20:00Z the day before in summer (+11), 20:30Z in winter (+10:30, from 5 April).
    const lordHowe = await createAthlete(t.db, { name: 'Lord Howe', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'Australia/Lord_Howe', report_weekday: 7, report_time: '07:00', created_at: start });
    await syncReportSchedule(q.queues, lordHowe);
    tick = new TickWorkers(q, deps, 1);
    const lordHoweNext = async (): Promise<string> => iso((await q.queues.queue('report-tick').getJobScheduler(reportSchedulerId(lordHowe.id)))!.next!);
    // A worker's life, every half hour for three weeks: take the due runs, and run the reconcile pass
    // at two of its hourly times — one while cron-parser still finds no run (each such pass costs it
    // some 4 s, which is why the test does not run all of them), one after it recovers.
    const passes: Record<string, string> = {};
    for (let at = Date.parse(start); at <= Date.parse('2026-04-13T00:00:00Z'); at += 1_800_000) {
      vi.setSystemTime(at);
      await tick.runDue();
      if (iso(at) === '2026-03-31T00:00:00.000Z' || iso(at) === '2026-04-04T18:00:00.000Z') {
        const { updated } = await startReportSchedule({ db: t.db, queue: q.queues, log: deps.log }, new Date());
        passes[iso(at)] = `updated ${updated}, next ${await lordHoweNext()}`;
      }
    }
    expect(passes).toEqual({
      '2026-03-31T00:00:00.000Z': 'updated 1, next 2026-03-28T20:00:00.000Z', // stuck: upserted again, still no next run
      '2026-04-04T18:00:00.000Z': 'updated 1, next 2026-04-04T20:30:00.000Z', // back on time
    });
    const jobs = await reportJobs(q);
    expect(jobs.map((j) => [j.isoWeek, iso(j.addedAt)])).toEqual([
      ['2026-W11', '2026-03-21T20:00:00.000Z'],
      ['2026-W12', '2026-03-28T20:00:00.000Z'],
      ['2026-W13', '2026-04-04T20:30:00.000Z'], // on time although BullMQ found no run after 28 March
      ['2026-W14', '2026-04-11T20:30:00.000Z'],
    ]);
  });

  it('a report done (stored at or after its due time) is not queued again, even when Redis forgot its job', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-02T00:00:00Z'));
    const berlin = await createAthlete(t.db, { name: 'Berlin', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'Europe/Berlin', created_at: '2026-02-25T00:00:00Z' });
    await syncReportSchedule(q.queues, berlin);
    tick = new TickWorkers(q, deps, 1);
    // The real weekly-report worker builds and stores the reports.
    started.push(registerWorker('weekly-report', deps, { queues: q.queues, handler: HANDLERS['weekly-report'], closeOn: [] }));
    await stepThrough(q, tick, '2026-03-17T00:00:00Z'); // W09 on 2 Mar, W10 on 9 Mar, W11 on 16 Mar
    await waitFor('three stored reports', async () => (await t.db.selectFrom('weekly_reports').select('iso_week').where('athlete_id', '=', berlin.id).execute()).length === 3);
    const stored = await t.db.selectFrom('weekly_reports').select(['iso_week', 'generated_at']).where('athlete_id', '=', berlin.id).orderBy('iso_week').execute();
    // Generated when the worker got to them (the controlled clock moves on meanwhile): after they fell due.
    const dueAt = ['2026-03-02T06:00:00Z', '2026-03-09T06:00:00Z', '2026-03-16T06:00:00Z'];
    expect(stored.map((r) => r.iso_week)).toEqual(['2026-W09', '2026-W10', '2026-W11']);
    stored.forEach((r, i) => expect(r.generated_at.getTime()).toBeGreaterThanOrEqual(Date.parse(dueAt[i]!)));
    await waitFor('the report jobs completed', async () => (await q.queues.queue('weekly-report').getCompletedCount()) === 3);

    // Redis loses the weekly-report jobs (the schedulers stay); a worker starts on Wednesday.
    await q.queues.queue('weekly-report').obliterate({ force: true });
    vi.setSystemTime(new Date('2026-03-18T12:00:00Z'));
    expect(await startReportSchedule({ db: t.db, queue: q.queues, log: deps.log }, new Date())).toMatchObject({ requested: 0 });
    expect(await reportJobs(q)).toEqual([]);
  });
});

describe('report schedule settings through the CLI and `kinetic worker` (real clock)', () => {
  let t: TestDb;
  let q: TestQueues;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    q = createTestQueues(captureLogger().log);
  });
  afterAll(async () => {
    await q.cleanup();
    await t.drop();
  });

  const env = (): Record<string, string> => ({ DATABASE_URL: t.url!, REDIS_URL: q.redisUrl, KINETIC_QUEUE_PREFIX: q.prefix });

  it('athlete add/update set the report day and time and move the athlete scheduler; bad values are named', async () => {
    const add = await runCli(['athlete', 'add', '--name', 'Nia', '--tz', 'America/New_York', '--report-day', 'tue', '--report-time', '6:30', '--json'], env());
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const athlete = JSON.parse(add.stdout) as Athlete;
    expect(athlete).toMatchObject({ report_weekday: 2, report_time: '06:30' });
    const scheduler = async (): Promise<unknown> => q.queues.queue('report-tick').getJobScheduler(reportSchedulerId(athlete.id));
    expect(await scheduler()).toMatchObject({ pattern: '30 6 * * 2', tz: 'America/New_York', template: { data: { athleteId: athlete.id } } });

    const update = await runCli(['athlete', 'update', '--athlete', athlete.id, '--report-day', 'Sunday', '--tz', 'Europe/Berlin'], env());
    expect(update.stderr).toBe('');
    expect(update.stdout).toContain('weekly report Sun 06:30 Europe/Berlin');
    expect(await scheduler()).toMatchObject({ pattern: '30 6 * * 0', tz: 'Europe/Berlin' });

    const badDay = await runCli(['athlete', 'update', '--athlete', athlete.id, '--report-day', 'someday'], env());
    expect(badDay.code).toBe(2);
    expect(badDay.stderr).toContain('--report-day "someday" is not a weekday: use mon, tue, wed, thu, fri, sat or sun');
    const badTime = await runCli(['athlete', 'add', '--name', 'X', '--report-time', '24:00'], env());
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--report-time "24:00" is not a time of day: use HH:MM from 00:00 to 23:59, e.g. 07:00');
    expect(await t.db.selectFrom('athletes').select('name').where('name', '=', 'X').execute()).toEqual([]);

    // Without Redis (embedded mode) the settings are stored all the same.
    const embedded = await runCli(['athlete', 'update', '--athlete', athlete.id, '--report-time', '19:45', '--json'], { DATABASE_URL: t.url! });
    expect(embedded.code).toBe(0);
    expect(JSON.parse(embedded.stdout)).toMatchObject({ report_weekday: 7, report_time: '19:45' });
  }, 300_000); // five CLI processes: slow on a loaded machine

  it('`kinetic worker` reconciles the schedulers at start and catches up missed reports', async () => {
    // An athlete added while no scheduler could be made (straight into the database), three weeks ago.
    const since = new Date(Date.now() - 21 * 86_400_000);
    const quiet = await createAthlete(t.db, { name: 'Quiet', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'Australia/Sydney', created_at: since });
    // And a scheduler whose athlete is gone.
    const ghost = randomUUID();
    await q.queues.queue('report-tick').upsertJobScheduler(reportSchedulerId(ghost), { pattern: '0 7 * * 1', tz: 'UTC' }, { name: 'report-tick', data: { athleteId: ghost } });

    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KINETIC_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL'));
    const child = spawn(process.execPath, [BIN, 'worker', '--queues', 'report-tick,weekly-report'], { env: { ...base, ...env(), LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitFor('the worker to start', () => stderr.includes('"worker started"'), 60_000);
      const line = stderr.split('\n').find((l) => l.includes('"report schedule reconciled"'));
      expect(JSON.parse(line!)).toMatchObject({ added: 1, removed: 1, athletes: 2 });
      expect(await q.queues.queue('report-tick').getJobScheduler(reportSchedulerId(quiet.id))).toMatchObject({ pattern: '0 7 * * 1', tz: 'Australia/Sydney' });
      expect(await q.queues.queue('report-tick').getJobScheduler(reportSchedulerId(ghost))).toBeUndefined();
      // Sydney Monday 07:00 came two or three times since `since`: each of those weeks is reported.
      await waitFor(
        'the missed reports stored',
        async () => (await t.db.selectFrom('weekly_reports').select('iso_week').where('athlete_id', '=', quiet.id).execute()).length >= 2,
        60_000,
      );
      // `kinetic queues` does not count the schedulers' next runs as delayed work.
      const shown = await runCli(['queues', '--json'], env());
      expect((JSON.parse(shown.stdout) as { queues: Record<string, { delayed: number }> }).queues['report-tick']).toMatchObject({ delayed: 0 });
    } finally {
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    }
    expect(stderr).not.toContain('"level":50');
  });

  it('the periodic pass gives an athlete added without a scheduler one, and removes a deleted athlete\'s', async () => {
    const { log, lines } = captureLogger();
    const sync = await keepReportScheduleInSync({ db: t.db, queue: q.queues, log, now: () => new Date() }, 200);
    const scheduler = (id: string): Promise<unknown> => q.queues.queue('report-tick').getJobScheduler(reportSchedulerId(id));
    try {
      const late = await createAthlete(t.db, { name: 'Late', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'Asia/Kolkata', report_weekday: 3, report_time: '21:15' });
      await waitFor('its scheduler', async () => (await scheduler(late.id)) !== undefined, 10_000);
      expect(await scheduler(late.id)).toMatchObject({ pattern: '15 21 * * 3', tz: 'Asia/Kolkata' });
      await t.db.deleteFrom('athletes').where('id', '=', late.id).execute();
      await waitFor('its scheduler gone', async () => (await scheduler(late.id)) === undefined, 10_000);
    } finally {
      await sync.stop();
    }
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
