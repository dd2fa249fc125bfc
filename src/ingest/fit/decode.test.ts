import { describe, expect, it } from 'vitest';
import { fixture } from '../../../test/support/fixtures.ts';
import { decodeFailure } from '../../../test/support/fit-oddities.ts';
import { decodeFit } from './decode.ts';

describe('decodeFit on real files', () => {
  it('reads a FR110 run: session, 5 laps, 590 HR samples, no positions', () => {
    const { activities, warnings } = decodeFit(fixture('run-garmin-fr110-hr.fit'), 'x');
    expect(warnings).toEqual([]);
    expect(activities).toHaveLength(1);
    const run = activities[0]!;
    expect(run).toMatchObject({ source: 'fit', sport: 'running', category: 'run' });
    expect(run.distanceM).toBeCloseTo(4835.38, 2);
    expect(run.laps).toHaveLength(5);
    expect(run.streams?.t).toHaveLength(590);
    expect(run.streams?.heartRate.every((h) => h !== null && h > 0)).toBe(true);
    expect(run.sets).toEqual([]);
    expect(Object.keys(run.streams ?? {})).not.toContain('positionLat');
    expect(run.device).toMatch(/garmin/);
  });

  it('fills HR from records when the session has none (fenix2)', () => {
    const [run] = decodeFit(fixture('run-garmin-fenix2-hr.fit'), 'x').activities;
    expect(run!.distanceM).toBeCloseTo(9008.22, 2);
    expect(run!.laps).toHaveLength(4);
    expect(run!.streams?.t).toHaveLength(2809);
    const hr = run!.streams!.heartRate.filter((h): h is number => h !== null);
    expect(hr).toHaveLength(2808);
    expect(run!.maxHr).toBe(Math.max(...hr));
    expect(run!.avgHr).toBe(Math.round(hr.reduce((a, b) => a + b, 0) / hr.length));
  });

  it('gives one activity per session of a multisport file, skipping transitions', () => {
    const { activities } = decodeFit(fixture('large-1MB-multisport-fenix2-hr.fit'), 'x');
    expect(activities.map((a) => a.sport)).toEqual(['generic', 'running', 'running', 'cycling']);
    expect(activities[1]!.distanceM).toBeCloseTo(2245.23, 2);
    expect(activities[2]!.distanceM).toBeCloseTo(12740.37, 2);
    expect(new Set(activities.map((a) => a.sourceId)).size).toBe(4);
    // Every record lands in exactly one session; transitions' records are dropped with them.
    const samples = activities.reduce((n, a) => n + (a.streams?.t.length ?? 0), 0);
    expect(samples).toBeGreaterThan(20_000);
    expect(samples).toBeLessThanOrEqual(24_239);
    for (const a of activities) expect(a.streams!.t.every((t) => t >= -3600)).toBe(true);
  });

  it('reads strength sets: ordered, active and rest, categories in snake case', () => {
    const [s] = decodeFit(fixture('strength-garmin-fr965-27sets.fit'), 'x').activities;
    expect(s).toMatchObject({ sport: 'training', subSport: 'strength_training', category: 'strength', distanceM: null });
    expect(s!.sets).toHaveLength(27);
    expect(s!.sets.filter((x) => x.setType === 'active')).toHaveLength(14);
    expect(s!.sets.filter((x) => x.setType === 'rest')).toHaveLength(13);
    const starts = s!.sets.map((x) => x.startTime!.getTime());
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(s!.sets.filter((x) => x.setType === 'rest').every((x) => x.reps === null && x.category === null)).toBe(true);
    expect(s!.sets.some((x) => x.category === 'triceps_extension')).toBe(true);
  });

  it('keeps an active set without a category (76-set file)', () => {
    const [s] = decodeFit(fixture('strength-garmin-fr965-76sets.fit'), 'x').activities;
    const active = s!.sets.filter((x) => x.setType === 'active');
    expect(active).toHaveLength(38);
    expect(s!.sets).toHaveLength(76);
    expect(active.filter((x) => x.category === null)).toHaveLength(1);
  });

  it('imports the compressed-timestamp run through the fallback decoder, with a warning', () => {
    const { activities, warnings } = decodeFit(fixture('edge-compressed-timestamps-fr70-run.fit'), 'x');
    const run = activities[0]!;
    expect(run.distanceM).toBeCloseTo(10248.67, 2);
    expect(run.laps).toHaveLength(11);
    expect(run.streams!.t.length).toBe(755);
    const lastDistance = run.streams!.distanceM.filter((d): d is number => d !== null).at(-1)!;
    expect(Math.abs(lastDistance - 10248.67) / 10248.67).toBeLessThan(0.01);
    expect(warnings.join(' ')).toMatch(/compressed timestamps/);
    expect(warnings.join(' ')).toMatch(/clock was not set/);
  });

  it('uses serial number and creation time as a stable identity', () => {
    const a = decodeFit(fixture('run-garmin-fr110-hr.fit'), 'sha-a').activities[0]!;
    const b = decodeFit(fixture('run-garmin-fr110-hr.fit'), 'sha-b').activities[0]!;
    expect(a.sourceId).toBe(b.sourceId);
    expect(a.sourceId).not.toContain('sha');
  });
});

describe('decodeFit on bad input', () => {
  const reason = decodeFailure;

  it('names a CRC mismatch', () => {
    expect(reason(fixture('corrupt-bad-file-crc.fit'))).toMatch(/CRC mismatch/);
  });
  it('names the byte a truncated file ends at', () => {
    expect(reason(fixture('corrupt-truncated-eof.fit'))).toBe('truncated at byte 768 (the header declares 771 bytes)');
  });
  it('rejects an empty file and a file that is not FIT', () => {
    expect(reason(new Uint8Array())).toBe('empty file');
    expect(reason(new TextEncoder().encode('date,kind\n2027-01-01,easy\n'))).toMatch(/not a FIT file/);
  });
});
