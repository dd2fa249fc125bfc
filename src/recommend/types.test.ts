import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  FLAG_CODES,
  parseThresholdOverrides,
  resolveThresholds,
  ThresholdsError,
  type RecommendThresholds,
} from './types.ts';

describe('thresholds', () => {
  it('defaults', () => {
    expect(resolveThresholds()).toEqual({
      minWeeklyStrengthMinutes: 40,
      minTaperStrengthMinutes: 20,
      easyRunMaxFractionAboveZone2: 0.2,
      easyRunMinSecondsWithHr: 600,
      mileageBandLow: 0.8,
      mileageBandHigh: 1.2,
      maxWeeklyRamp: 0.1,
      maxAcwr: 1.5,
      taperWeeks: 3,
      minHoursBetweenStrength: 48,
      minHoursStrengthBeforeRace: 72,
      maxRaceWeekStrengthMinutes: 30,
      longRunMaxOvershoot: 0.15,
      longRunMaxExtraMinutes: 20,
      maxLongRunMinutes: 210,
      cutbackMaxPlannedRatio: 0.85,
      cutbackSkippedRatio: 0.95,
    });
  });

  it('applies partial overrides, ignoring undefined fields', () => {
    const t = resolveThresholds({ maxAcwr: 1.3, mileageBandLow: undefined });
    expect(t).toEqual({ ...DEFAULT_THRESHOLDS, maxAcwr: 1.3 });
  });

  it('parses stored JSON and rejects unknown or out-of-range fields, naming them', () => {
    expect(parseThresholdOverrides(JSON.parse('{"minWeeklyStrengthMinutes": 45, "taperWeeks": 2}'))).toEqual({
      minWeeklyStrengthMinutes: 45,
      taperWeeks: 2,
    });
    expect(parseThresholdOverrides({})).toEqual({});
    expect(() => parseThresholdOverrides({ minStrength: 40 })).toThrow(ThresholdsError);
    expect(() => parseThresholdOverrides({ mileageBandHigh: 0.9 })).toThrow(/mileageBandHigh/);
    expect(() => parseThresholdOverrides({ taperWeeks: 2.5 })).toThrow(/taperWeeks/);
    expect(() => parseThresholdOverrides([])).toThrow(ThresholdsError);
    expect(() => resolveThresholds({ maxAcwr: Number.NaN })).toThrow(/maxAcwr/);
  });

  it('checks the merged result', () => {
    expect(() => resolveThresholds({ minWeeklyStrengthMinutes: 15 })).toThrow(/minTaperStrengthMinutes/);
    expect(resolveThresholds({ minWeeklyStrengthMinutes: 15, minTaperStrengthMinutes: 10 }).minWeeklyStrengthMinutes).toBe(15);
  });
});

describe('docs/flags.md', () => {
  const doc = readFileSync(new URL('../../docs/flags.md', import.meta.url), 'utf8');

  it('documents every flag code', () => {
    for (const code of FLAG_CODES) expect(doc, code).toContain(`### \`${code}\``);
    const documented = [...doc.matchAll(/^### `([a-z_]+)`/gm)].map((m) => m[1]);
    expect(documented).toEqual([...FLAG_CODES]);
  });

  it('lists every threshold with its default', () => {
    for (const [key, value] of Object.entries(DEFAULT_THRESHOLDS) as [keyof RecommendThresholds, number][]) {
      expect(doc, key).toMatch(new RegExp(`\\| \`${key}\` \\| ${String(value).replace('.', '\\.')} \\|`));
    }
  });
});
