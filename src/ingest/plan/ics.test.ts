import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../plan/generate.ts';
import { makePlan, makeSession } from '../../../test/support/plans.ts';
import { planToIcs, sessionUid } from './ics.ts';

function events(ics: string): InstanceType<typeof ICAL.Component>[] {
  const calendar = ICAL.Component.fromString(ics);
  expect(calendar.name).toBe('vcalendar');
  return calendar.getAllSubcomponents('vevent');
}

describe('planToIcs', () => {
  const plan = makePlan({
    name: 'Spring marathon',
    units: 'mi',
    race: { date: '2027-04-25', distanceM: 42195, goalTimeS: 11700 },
    sessions: [
      makeSession({ date: '2027-01-05', kind: 'intervals', distanceM: 11265, target: { type: 'rpe', rpe: 8 }, notes: '6×800 m at 5K pace, 400 m jog; cool down' }),
      makeSession({ date: '2027-01-05', order: 2, kind: 'strength', distanceM: null, durationS: 2700 }),
      makeSession({ date: '2027-01-10', kind: 'long', distanceM: 25749, target: { type: 'hr_zone', zone: 2 } }),
      makeSession({ date: '2027-04-25', kind: 'race', distanceM: 42195 }),
    ],
  });

  it('validates with ical.js: one all-day VEVENT per session', () => {
    const ics = planToIcs(plan, { uidSeed: 'plan-42', athleteName: 'Ana Silva' });
    const vevents = events(ics);
    expect(vevents).toHaveLength(plan.sessions.length);
    vevents.forEach((e, i) => {
      const session = plan.sessions[i];
      const start = e.getFirstProperty('dtstart');
      expect(start?.type).toBe('date');
      expect(String(e.getFirstPropertyValue('dtstart'))).toBe(session?.date);
      const end = e.getFirstPropertyValue('dtend');
      expect(end).toBeInstanceOf(ICAL.Time);
      const event = new ICAL.Event(e);
      expect(event.startDate.isDate).toBe(true);
      expect(event.endDate.subtractDate(event.startDate).toSeconds()).toBe(86_400);
      expect(e.getFirstPropertyValue('dtstamp')).toBeTruthy();
    });
    expect(ics).toMatch(/DTSTART;VALUE=DATE:20270105\r\n/);
    expect(ics).toContain('X-WR-CALNAME:Ana Silva — Spring marathon');
  });

  it('titles sessions like a runner would and describes notes and targets', () => {
    const vevents = events(planToIcs(plan, { uidSeed: 'plan-42' }));
    expect(vevents.map((e) => e.getFirstPropertyValue('summary'))).toEqual([
      'Intervals 7 mi',
      'Strength 45 min',
      'Long run 16 mi',
      'Race 26.2 mi',
    ]);
    const description = String(vevents[0]?.getFirstPropertyValue('description'));
    expect(description).toContain('6×800 m at 5K pace, 400 m jog; cool down');
    expect(description).toContain('Target: RPE 8');
    expect(String(vevents[1]?.getFirstPropertyValue('description'))).toContain('Session 2 of the day (PM)');
    expect(String(vevents[3]?.getFirstPropertyValue('description'))).toContain('Goal: 3 h 15 min');
  });

  it('keeps UIDs stable per (seed, date, order) so subscriptions update instead of duplicating', () => {
    const uids = (ics: string): string[] => events(ics).map((e) => String(e.getFirstPropertyValue('uid')));
    const first = uids(planToIcs(plan, { uidSeed: 'plan-42' }));
    expect(new Set(first).size).toBe(first.length);
    const edited = { ...plan, sessions: plan.sessions.map((s) => (s.kind === 'long' ? { ...s, distanceM: 28000 } : s)) };
    expect(uids(planToIcs(edited, { uidSeed: 'plan-42' }))).toEqual(first);
    expect(uids(planToIcs(plan, { uidSeed: 'plan-43' }))).not.toEqual(first);
    expect(first[0]).toBe(sessionUid('plan-42', { date: '2027-01-05', order: 1 }));
  });

  it('is a pure function of the plan unless a generation time is given', () => {
    expect(planToIcs(plan, { uidSeed: 's' })).toBe(planToIcs(plan, { uidSeed: 's' }));
    const stamped = planToIcs(plan, { uidSeed: 's', generatedAt: new Date('2027-01-02T10:00:00Z') });
    expect(stamped).toContain('DTSTAMP:20270102T100000Z');
  });

  it('exports a whole generated plan', () => {
    const generated = generatePlan({ raceDate: '2027-04-25', units: 'mi' });
    const vevents = events(planToIcs(generated, { uidSeed: 'gen' }));
    expect(vevents).toHaveLength(generated.sessions.length);
    expect(vevents.every((e) => e.getFirstProperty('dtstart')?.type === 'date')).toBe(true);
  });
});
