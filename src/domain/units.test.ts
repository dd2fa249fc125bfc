import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTarget, parseTarget } from './target.ts';
import { displayDistance, displayDuration, formatDistance, formatDuration, parseDistance, parseDuration } from './units.ts';

describe('parseDistance', () => {
  it.each([
    ['8 mi', 12875],
    ['12 km', 12000],
    ['800 m', 800],
    ['12.5km', 12500],
    ['0.5 mi', 805],
    ['26.2 miles', 42165],
    ['10 K', 10000],
    ['  5 km ', 5000],
    ['3 kilometres', 3000],
    ['0 km', 0],
  ])('%s → %d m', (text, metres) => {
    expect(parseDistance(text)).toEqual({ ok: true, value: metres });
  });

  it.each([
    ['-3 km', 'negative'],
    ['8', 'has no unit'],
    ['12,5 km', 'decimals with a point'],
    ['8 yd', "unknown unit 'yd'"],
    ['45 min', 'is a duration'],
    ['far', 'not a distance'],
    ['', 'is empty'],
    ['900 km', 'longer than any session'],
  ])('%s is refused (%s)', (text, why) => {
    const r = parseDistance(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(why);
  });
});

describe('parseDuration', () => {
  it.each([
    ['45 min', 2700],
    ['1:10:00', 4200],
    ['0:45:30', 2730],
    ['90 s', 90],
    ['1 h 30 min', 5400],
    ['1h30', 5400],
    ['1h30m', 5400],
    ['1.5 h', 5400],
    ['2 hours', 7200],
    ['40mins', 2400],
  ])('%s → %d s', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: seconds });
  });

  it.each([
    ['-5 min', 'negative'],
    ['45', 'has no unit'],
    ['1:10', 'ambiguous'],
    ['45 m', "'m' means metres"],
    ['8 km', 'is a distance'],
    ['1:75:00', 'below 60'],
    ['soon', 'not a duration'],
    ['100 h', 'longer than any session'],
  ])('%s is refused (%s)', (text, why) => {
    const r = parseDuration(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(why);
  });
});

describe('formatting', () => {
  it('writes distances in the plan units when exact, metres below 1 km, km otherwise', () => {
    expect(formatDistance(12875, 'mi')).toBe('8 mi');
    expect(formatDistance(12000, 'km')).toBe('12 km');
    expect(formatDistance(12500, 'km')).toBe('12.5 km');
    expect(formatDistance(800, 'mi')).toBe('800 m');
    expect(formatDistance(42195, 'mi')).toBe('42.195 km');
    expect(formatDistance(12875, 'km')).toBe('12.875 km');
  });

  it('writes durations as minutes under an hour, h:mm:ss otherwise', () => {
    expect(formatDuration(2700)).toBe('45 min');
    expect(formatDuration(4200)).toBe('1:10:00');
    expect(formatDuration(90)).toBe('0:01:30');
    expect(formatDuration(0)).toBe('0 min');
  });

  it('rounds for people', () => {
    expect(displayDistance(25749, 'mi')).toBe('16 mi');
    expect(displayDistance(42195, 'km')).toBe('42.2 km');
    expect(displayDistance(800, 'km')).toBe('800 m');
    expect(displayDuration(4200)).toBe('1 h 10 min');
    expect(displayDuration(2700)).toBe('45 min');
  });

  it('distance text parses back to the same metres (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400_000 }), fc.constantFrom('km' as const, 'mi' as const), (m, units) => {
        expect(parseDistance(formatDistance(m, units))).toEqual({ ok: true, value: m });
      }),
    );
  });

  it('duration text parses back to the same seconds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 48 * 3600 }), (s) => {
        expect(parseDuration(formatDuration(s))).toEqual({ ok: true, value: s });
      }),
    );
  });
});

describe('targets', () => {
  it.each([
    ['z2', { type: 'hr_zone', zone: 2 }],
    ['Zone 3', { type: 'hr_zone', zone: 3 }],
    ['rpe 7', { type: 'rpe', rpe: 7 }],
    ['RPE6.5', { type: 'rpe', rpe: 6.5 }],
    ['4:30-4:45/km', { type: 'pace', minSPerKm: 270, maxSPerKm: 285 }],
    ['4:45 – 4:30 min/km', { type: 'pace', minSPerKm: 270, maxSPerKm: 285 }],
    ['4:30/km', { type: 'pace', minSPerKm: 270, maxSPerKm: 270 }],
    ['8:03-8:03/mi', { type: 'pace', minSPerKm: 300.12, maxSPerKm: 300.12 }],
  ])('%s', (text, target) => {
    expect(parseTarget(text)).toEqual({ ok: true, value: target });
  });

  it.each([['z9'], ['rpe 11'], ['fast'], ['0:30/km'], ['4:30-/km']])('%s is refused', (text) => {
    expect(parseTarget(text).ok).toBe(false);
  });

  it('writes paces in the plan units and parses them back exactly', () => {
    const mi = parseTarget('7:15-7:30/mi');
    expect(mi.ok).toBe(true);
    if (!mi.ok) return;
    expect(formatTarget(mi.value, 'mi')).toBe('7:15-7:30/mi');
    expect(parseTarget(formatTarget(mi.value, 'km'))).toEqual(mi);
    fc.assert(
      fc.property(
        fc.integer({ min: 9000, max: 120_000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.constantFrom('km' as const, 'mi' as const),
        (a, d, units) => {
          const target = { type: 'pace' as const, minSPerKm: a / 100, maxSPerKm: Math.min(120_000, a + d) / 100 };
          expect(parseTarget(formatTarget(target, units))).toEqual({ ok: true, value: target });
        },
      ),
    );
  });
});
