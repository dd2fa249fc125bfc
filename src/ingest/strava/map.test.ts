import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseStravaJson } from './json.ts';
import { categoryOf, snakeSport, toNormalizedActivity, toSampleStreams, wantsDetails } from './map.ts';
import { DetailedActivity, LapList, StreamSetSchema, SummaryActivity, SummaryActivityList } from './schemas.ts';

const SAMPLES = fileURLToPath(new URL('../../../test/fixtures/strava/samples/', import.meta.url));
function sample(rel: string): unknown {
  return parseStravaJson(fs.readFileSync(path.join(SAMPLES, rel), 'utf8'));
}

describe('Strava mapping', () => {
  it('maps a recorded run summary', () => {
    const [run] = SummaryActivityList.parse((sample('strava-ruby-client/client_athlete_activities.response.json') as { body: unknown }).body);
    const a = toNormalizedActivity({ summary: run! });
    expect(a).toMatchObject({
      source: 'strava',
      sourceId: '16181809559',
      sport: 'run',
      category: 'run',
      name: 'Run with Artyom',
      startTime: new Date('2025-10-18T12:49:52Z'),
      elapsedS: 7792,
      movingS: 7772,
      distanceM: 22601.3,
      ascentM: 202,
      avgHr: 159.6,
      maxHr: 174,
      laps: [],
      sets: [],
      streams: null,
    });
    expect(wantsDetails(run!)).toBe(true);
  });

  it('maps a strength session without GPS: no distance, no details wanted', () => {
    const s = SummaryActivity.parse(sample('strava-ruby-client/summary_weighttraining_with_hr_5579120618.json'));
    const a = toNormalizedActivity({ summary: s });
    expect(a.category).toBe('strength');
    expect(a.sport).toBe('weight_training');
    expect(a.distanceM).toBeNull();
    expect(a.avgHr).not.toBeNull();
    expect(wantsDetails(s)).toBe(false);
  });

  it('maps laps (0-based, in Strava order) and keyed streams', () => {
    const laps = LapList.parse((sample('strava-ruby-client/client_activity_laps.response.json') as { body: unknown }).body);
    const streams = StreamSetSchema.parse(sample('vmpy/DERIVED_keyed_streams_1354978421.json'));
    const detail = DetailedActivity.parse(sample('vmpy/activity_1202065_1354978421.json'));
    const a = toNormalizedActivity({ summary: detail, laps, streams });
    expect(a.laps[0]).toMatchObject({ index: 0, elapsedS: laps[0]!.elapsed_time, avgHr: 124.9 });
    expect(a.streams!.t[0]).toBe(264); // privacy zone: the stream starts after 0
    expect(a.streams!.t.length).toBe(6501);
    expect(a.streams!.heartRate[0]).toBe(114);
    expect(a.streams!.powerW.every((p) => p === null)).toBe(true);
    // A 2018 reply: no sport_type, only type.
    expect(a.sport).toBe('ride');
    expect(a.category).toBe('other');
  });

  it('streams without time (not processed yet, or none) are null; a short channel is malformed', () => {
    expect(toSampleStreams({}, '1')).toBeNull();
    expect(() =>
      toSampleStreams(
        {
          time: { data: [0, 1, 2], series_type: 'time', original_size: 3, resolution: 'high' },
          heartrate: { data: [100, 101], series_type: 'time', original_size: 2, resolution: 'high' },
        },
        '42',
      ),
    ).toThrow(/activity 42: heartrate.data has 2 points, time has 3/);
  });

  it('knows the sport types', () => {
    expect(snakeSport('HighIntensityIntervalTraining')).toBe('high_intensity_interval_training');
    expect(snakeSport('EMountainBikeRide')).toBe('e_mountain_bike_ride');
    expect(categoryOf('TrailRun')).toBe('run');
    expect(categoryOf('Crossfit')).toBe('strength');
    expect(categoryOf('Padel')).toBe('other');
  });
});
