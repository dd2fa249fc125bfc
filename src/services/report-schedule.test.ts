import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Athlete, Database } from '../db/schema.ts';
import { RedisUnavailableError, type JobQueue, type JobSchedulers, type Payload, type QueueName, type ScheduledJob } from '../jobs/queues.ts';
import { applyReportSchedule, removeReportSchedule, ReportScheduleSyncError, reportSchedulerId, syncReportSchedule } from './report-schedule.ts';

const athleteId = '5b0c6a39-3c1f-4a43-9d4c-6f3f1c0e2a11';
const athlete = { id: athleteId, timezone: 'Europe/Berlin', report_weekday: 1, report_time: '07:00' } as Athlete;
const now = new Date('2026-11-26T12:00:00Z');
/** Never read: these cases end before the database is asked anything. */
const db = undefined as unknown as Kysely<Database>;

/** Job schedulers in memory, as `BullQueues` keeps them in Redis. */
class MemorySchedulers implements JobSchedulers {
  readonly stored = new Map<string, ScheduledJob & { queue: QueueName; payload: unknown }>();
  upserts = 0;
  fail: Error | undefined;

  listSchedulers(queue: QueueName): Promise<ScheduledJob[]> {
    return Promise.resolve([...this.stored.values()].filter((s) => s.queue === queue));
  }
  getScheduler(queue: QueueName, id: string): Promise<ScheduledJob | undefined> {
    if (this.fail !== undefined) return Promise.reject(this.fail);
    const s = this.stored.get(id);
    return Promise.resolve(s?.queue === queue ? s : undefined);
  }
  upsertScheduler<Q extends QueueName>(queue: Q, id: string, repeat: { pattern: string; tz: string }, payload: Payload<Q>): Promise<void> {
    this.upserts++;
    this.stored.set(id, { id, queue, payload, ...repeat, next: now.getTime() + 86_400_000 });
    return Promise.resolve();
  }
  removeScheduler(_queue: QueueName, id: string): Promise<boolean> {
    return Promise.resolve(this.stored.delete(id));
  }
}

const noJobs: JobQueue = { enqueue: () => Promise.reject(new Error('nothing should be queued')) };

describe('report schedule on job schedulers', () => {
  it("adds the athlete's scheduler at their local report time, leaves a matching one alone and moves a changed one", async () => {
    const s = new MemorySchedulers();
    expect(await syncReportSchedule(s, athlete, now)).toBe('added');
    expect(s.stored.get(reportSchedulerId(athleteId))).toMatchObject({ queue: 'report-tick', pattern: '0 7 * * 1', tz: 'Europe/Berlin', payload: { athleteId } });
    expect(await syncReportSchedule(s, athlete, now)).toBe('unchanged');
    expect(s.upserts).toBe(1);
    expect(await syncReportSchedule(s, { ...athlete, timezone: 'Australia/Sydney', report_time: '20:30' }, now)).toBe('updated');
    expect(s.stored.get(reportSchedulerId(athleteId))).toMatchObject({ pattern: '30 20 * * 1', tz: 'Australia/Sydney' });
  });

  it('upserts a scheduler whose next run is more than an hour overdue (stuck)', async () => {
    const s = new MemorySchedulers();
    await syncReportSchedule(s, athlete, now);
    s.stored.get(reportSchedulerId(athleteId))!.next = now.getTime() - 2 * 3_600_000;
    expect(await syncReportSchedule(s, athlete, now)).toBe('updated');
  });

  it('does nothing in embedded mode, where the queue has no schedulers', async () => {
    await applyReportSchedule({ db, queue: noJobs }, athlete, now);
    expect(await removeReportSchedule(noJobs, athleteId)).toBe(false);
  });

  it('removes the scheduler of a deleted athlete', async () => {
    const s = new MemorySchedulers();
    const queue: JobQueue = { ...noJobs, schedulers: s };
    await syncReportSchedule(s, athlete, now);
    expect(await removeReportSchedule(queue, athleteId)).toBe(true);
    expect(await removeReportSchedule(queue, athleteId)).toBe(false);
  });

  it('says the athlete is saved but the schedule is not when the queues do not answer', async () => {
    const s = new MemorySchedulers();
    s.fail = new RedisUnavailableError('cannot reach Redis');
    const err = await applyReportSchedule({ db, queue: { ...noJobs, schedulers: s } }, athlete, now).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportScheduleSyncError);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as Error).message).toMatch(/the athlete is saved, but their report schedule is not updated yet \(cannot reach Redis\)/);
  });
});
