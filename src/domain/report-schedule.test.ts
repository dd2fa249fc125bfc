import { getNextMillis } from 'bullmq';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dueReportWeek,
  dueReportWeeks,
  nextReportAt,
  parseReportTime,
  reportCron,
  reportDueAt,
  zonedInstant,
  type ReportScheduleSettings,
} from './report-schedule.ts';

const at = (iso: string): Date => new Date(iso);
const ms = (iso: string): number => Date.parse(iso);
const before = (iso: string): Date => new Date(ms(iso) - 1);

function athlete(timezone: string, report_weekday = 1, report_time = '07:00'): ReportScheduleSettings {
  return { timezone, report_weekday, report_time };
}

describe('parseReportTime', () => {
  it.each([
    ['07:00', '07:00'],
    ['7:00', '07:00'],
    [' 23:59 ', '23:59'],
    ['00:00', '00:00'],
  ])('%s → %s', (text, expected) => expect(parseReportTime(text)).toBe(expected));

  it.each(['24:00', '7', '07:60', '7:5', '07:00:00', '', 'noon', '-1:00'])('rejects %j', (text) => expect(parseReportTime(text)).toBeNull());
});

describe('reportCron', () => {
  it('writes minute, hour and weekday with Sunday as 0, in the athlete zone', () => {
    expect(reportCron(athlete('Europe/Berlin'))).toEqual({ pattern: '0 7 * * 1', tz: 'Europe/Berlin' });
    expect(reportCron(athlete('America/New_York', 2, '06:30'))).toEqual({ pattern: '30 6 * * 2', tz: 'America/New_York' });
    expect(reportCron(athlete('Australia/Sydney', 7, '23:59'))).toEqual({ pattern: '59 23 * * 0', tz: 'Australia/Sydney' });
  });

  it('names a bad weekday or time', () => {
    expect(() => reportCron(athlete('UTC', 0))).toThrow(/1 \(Monday\) to 7 \(Sunday\), not 0/);
    expect(() => reportCron(athlete('UTC', 1, '25:00'))).toThrow(/HH:MM from 00:00 to 23:59, not '25:00'/);
  });
});

describe('zonedInstant', () => {
  it('uses the offset of the day', () => {
    expect(zonedInstant('2026-03-23', 7 * 60, 'Europe/Berlin').toISOString()).toBe('2026-03-23T06:00:00.000Z'); // CET
    expect(zonedInstant('2026-03-30', 7 * 60, 'Europe/Berlin').toISOString()).toBe('2026-03-30T05:00:00.000Z'); // CEST
    expect(zonedInstant('2026-06-01', 0, 'Asia/Kolkata').toISOString()).toBe('2026-05-31T18:30:00.000Z');
  });

  it('moves a time in the spring-forward gap forward by the gap', () => {
    // Berlin 2026-03-29: 02:00 CET → 03:00 CEST; 02:30 does not exist → 03:30 CEST.
    expect(zonedInstant('2026-03-29', 150, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(zonedInstant('2026-03-29', 120, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:00:00.000Z');
    // Sydney 2026-10-04: 02:00 AEST → 03:00 AEDT.
    expect(zonedInstant('2026-10-04', 150, 'Australia/Sydney').toISOString()).toBe('2026-10-03T16:30:00.000Z');
  });

  it('takes the first of a time that occurs twice', () => {
    // Berlin 2026-10-25: 03:00 CEST → 02:00 CET; 02:30 happens at 00:30Z (CEST) and 01:30Z (CET).
    expect(zonedInstant('2026-10-25', 150, 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    // New York 2026-11-01: 02:00 EDT → 01:00 EST; 01:30 first at 05:30Z (EDT).
    expect(zonedInstant('2026-11-01', 90, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
    // Sydney 2026-04-05: 03:00 AEDT → 02:00 AEST; 02:30 first at 15:30Z the day before (AEDT).
    expect(zonedInstant('2026-04-05', 150, 'Australia/Sydney').toISOString()).toBe('2026-04-04T15:30:00.000Z');
  });
});

describe('dueReportWeek', () => {
  // Hand-computed instants (not derived from the code under test) around the 2026 changes:
  // Berlin CET+1/CEST+2 from 29 Mar to 25 Oct; New York EST-5/EDT-4 from 8 Mar to 1 Nov;
  // Sydney AEDT+11 until 5 Apr and from 4 Oct, AEST+10 in between.
  const cases: [string, ReportScheduleSettings, string, string][] = [
    // Berlin, Monday 07:00 (the default): 06:00Z in winter, 05:00Z in summer.
    ['Berlin, winter', athlete('Europe/Berlin'), '2026-W12', '2026-03-23T06:00:00Z'],
    ['Berlin, first summer Monday', athlete('Europe/Berlin'), '2026-W13', '2026-03-30T05:00:00Z'],
    ['Berlin, last summer Monday', athlete('Europe/Berlin'), '2026-W42', '2026-10-19T05:00:00Z'],
    ['Berlin, first winter Monday', athlete('Europe/Berlin'), '2026-W43', '2026-10-26T06:00:00Z'],
    // New York, Tuesday 06:30.
    ['New York, EST', athlete('America/New_York', 2, '06:30'), '2026-W09', '2026-03-03T11:30:00Z'],
    ['New York, first EDT Tuesday', athlete('America/New_York', 2, '06:30'), '2026-W10', '2026-03-10T10:30:00Z'],
    ['New York, first EST Tuesday', athlete('America/New_York', 2, '06:30'), '2026-W44', '2026-11-03T11:30:00Z'],
    // Sydney, Monday 07:00: the Sunday before in UTC.
    ['Sydney, AEDT (summer)', athlete('Australia/Sydney'), '2026-W13', '2026-03-29T20:00:00Z'],
    ['Sydney, first AEST Monday', athlete('Australia/Sydney'), '2026-W14', '2026-04-05T21:00:00Z'],
    ['Sydney, last AEST Monday', athlete('Australia/Sydney'), '2026-W39', '2026-09-27T21:00:00Z'],
    ['Sydney, first AEDT Monday', athlete('Australia/Sydney'), '2026-W40', '2026-10-04T20:00:00Z'],
    // Midnight and the ends of the week.
    ['Berlin, Monday 00:00 right after the change', athlete('Europe/Berlin', 1, '00:00'), '2026-W13', '2026-03-29T22:00:00Z'],
    ['Berlin, Sunday 23:59', athlete('Europe/Berlin', 7, '23:59'), '2026-W13', '2026-04-05T21:59:00Z'],
    ['UTC, Sunday 00:00', athlete('UTC', 7, '00:00'), '2026-W13', '2026-04-05T00:00:00Z'],
    // Sunday report times inside the changes themselves.
    ['Berlin, Sunday 02:30 in the spring gap → 03:30 CEST', athlete('Europe/Berlin', 7, '02:30'), '2026-W12', '2026-03-29T01:30:00Z'],
    ['Berlin, Sunday 02:30 twice in autumn → first', athlete('Europe/Berlin', 7, '02:30'), '2026-W42', '2026-10-25T00:30:00Z'],
    ['New York, Sunday 01:30 twice → first (EDT)', athlete('America/New_York', 7, '01:30'), '2026-W43', '2026-11-01T05:30:00Z'],
    ['Sydney, Sunday 02:30 in the spring gap → 03:30 AEDT', athlete('Australia/Sydney', 7, '02:30'), '2026-W39', '2026-10-03T16:30:00Z'],
    ['Sydney, Sunday 02:30 twice in autumn → first (AEDT)', athlete('Australia/Sydney', 7, '02:30'), '2026-W13', '2026-04-04T15:30:00Z'],
    // ISO years: 2026 has 53 weeks.
    ['Berlin, week 53', athlete('Europe/Berlin'), '2026-W53', '2027-01-04T06:00:00Z'],
    ['Sydney, week 1 reported on the last day of the year in UTC', athlete('Australia/Sydney', 1, '07:00'), '2026-W52', '2026-12-27T20:00:00Z'],
  ];

  it.each(cases)('%s: %s due at %s', (_name, s, week, due) => {
    expect(reportDueAt(s, week).toISOString()).toBe(new Date(due).toISOString());
    expect(dueReportWeek(s, at(due))).toEqual({ isoWeek: week, dueAt: at(due) });
    // One millisecond before, the week before it is the one due.
    const earlier = dueReportWeek(s, before(due));
    expect(earlier.isoWeek).not.toBe(week);
    expect(earlier.dueAt.getTime()).toBeLessThan(ms(due));
    expect(nextReportAt(s, before(due))).toEqual({ isoWeek: week, dueAt: at(due) });
  });

  it('on the report day before the report time, the week before last is still the latest due', () => {
    const berlin = athlete('Europe/Berlin');
    expect(dueReportWeek(berlin, at('2026-03-30T04:59:59Z')).isoWeek).toBe('2026-W12'); // Mon 06:59:59 CEST
    expect(dueReportWeek(berlin, at('2026-03-30T05:00:00Z')).isoWeek).toBe('2026-W13');
    expect(dueReportWeek(berlin, at('2026-04-05T21:59:59Z')).isoWeek).toBe('2026-W13'); // Sun 23:59:59
    expect(dueReportWeek(berlin, at('2026-04-05T22:00:00Z')).isoWeek).toBe('2026-W13'); // Mon 00:00, W14 just ended, due at 07:00
  });

  it('a Sunday report covers the week that ended six days before, never the running week', () => {
    const sunday = athlete('Europe/Berlin', 7, '20:00');
    expect(dueReportWeek(sunday, at('2026-04-05T18:00:00Z'))).toEqual({ isoWeek: '2026-W13', dueAt: at('2026-04-05T18:00:00Z') });
  });

  it('is the same week from the due time until the next one, everywhere', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'UTC'),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 23 * 60 + 59 }),
        fc.integer({ min: ms('2025-12-01T00:00:00Z'), max: ms('2027-02-01T00:00:00Z') }),
        (tz, day, minutes, now) => {
          const s = athlete(tz, day, `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`);
          const due = dueReportWeek(s, new Date(now));
          const next = nextReportAt(s, new Date(now));
          expect(due.dueAt.getTime()).toBeLessThanOrEqual(now);
          expect(next.dueAt.getTime()).toBeGreaterThan(now);
          // Consecutive weeks, 6 days 22 h to 7 days 2 h apart (DST changes).
          expect(dueReportWeeks(s, next.dueAt, 2).map((d) => d.isoWeek)).toEqual([due.isoWeek, next.isoWeek]);
          const gapH = (next.dueAt.getTime() - due.dueAt.getTime()) / 3_600_000;
          expect(gapH).toBeGreaterThanOrEqual(166);
          expect(gapH).toBeLessThanOrEqual(170);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('agreement with the job scheduler (BullMQ getNextMillis, cron-parser with tz)', () => {
  // Australia/Lord_Howe (a 30-minute change) is left out: cron-parser 5 finds no next time for some
  // Sunday patterns in the week its clocks go back (docs/jobs.md, "Weekly schedule"); catch-up covers it.
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Pacific/Chatham', 'Asia/Kolkata', 'UTC'];
  // Instants a little before every 2026 change of these zones, plus ordinary days.
  const nows = [
    '2026-01-15T12:00:00Z',
    '2026-03-05T00:00:00Z',
    '2026-03-26T00:00:00Z',
    '2026-04-02T00:00:00Z',
    '2026-06-10T09:17:00Z',
    '2026-09-24T00:00:00Z',
    '2026-10-01T00:00:00Z',
    '2026-10-22T00:00:00Z',
    '2026-10-29T00:00:00Z',
    '2026-12-24T00:00:00Z',
  ];

  /** Steps through `firings` scheduler firings from each start, as the scheduler does; returns the count checked. */
  function agree(s: ReportScheduleSettings, firings: number): number {
    const { pattern, tz } = reportCron(s);
    let checked = 0;
    for (const from of nows) {
      let now = ms(from);
      for (let i = 0; i < firings; i++) {
        const fired = getNextMillis(now, { pattern, tz });
        const next = nextReportAt(s, new Date(now));
        const where = { ...s, from: new Date(now).toISOString() };
        expect({ ...where, at: fired === undefined ? 'none' : new Date(fired).toISOString() }).toEqual({ ...where, at: next.dueAt.toISOString() });
        // A tick at that instant sees this week as due.
        expect(dueReportWeek(s, new Date(fired!))).toEqual(next);
        now = fired!;
        checked++;
      }
    }
    return checked;
  }

  it('Mondays and Sundays at times around the changes (00:00–03:00), 07:00 and 23:59', () => {
    let checked = 0;
    for (const tz of zones) {
      for (const day of [1, 7]) {
        for (const time of ['00:00', '01:30', '02:30', '03:00', '07:00', '23:59']) checked += agree(athlete(tz, day, time), 2);
      }
    }
    expect(checked).toBe(6 * 2 * 6 * nows.length * 2);
  });

  it('every weekday at 06:30', () => {
    let checked = 0;
    for (const tz of zones) for (let day = 1; day <= 7; day++) checked += agree(athlete(tz, day, '06:30'), 1);
    expect(checked).toBe(6 * 7 * nows.length);
  });
});
