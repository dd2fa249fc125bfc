/**
 * An athlete's training history written straight to the database (as a FIT import stores it, without
 * encoding and decoding files): generated weeks (src/synth/training.ts) with their samples and laps,
 * as the FIT synthesizer writes them.
 */
import type { Kysely } from 'kysely';
import { insertActivity } from '../../src/db/repositories/activities.ts';
import type { Database } from '../../src/db/schema.ts';
import type { NormalizedActivity } from '../../src/domain/activity.ts';
import { expectedMulti } from '../../src/synth/fit.ts';
import { generateTraining, type GeneratedSession } from '../../src/synth/training.ts';

/** The generated sessions of `weeks` weeks from the Monday of `from`, as normalized activities. */
export function historyActivities(opts: { from: string; weeks: number; seed?: number; kinds?: GeneratedSession['kind'][] }): NormalizedActivity[] {
  const kinds = opts.kinds === undefined ? undefined : new Set(opts.kinds);
  return generateTraining({ from: opts.from, weeks: opts.weeks, seed: opts.seed ?? 7 })
    .filter((g) => kinds === undefined || kinds.has(g.kind))
    .map((g, i) => {
      const s = expectedMulti([g.session]).sessions[0]!;
      return {
        source: 'fit',
        sourceId: `history-${opts.from}-${i}`,
        sport: s.sport,
        subSport: s.subSport === 'generic' ? null : s.subSport,
        category: s.category,
        name: null,
        startTime: s.startTime,
        elapsedS: s.elapsedS,
        movingS: s.movingS,
        distanceM: s.category === 'strength' ? null : s.distanceM,
        ascentM: s.ascentM,
        avgHr: s.avgHr,
        maxHr: s.maxHr,
        calories: s.calories,
        device: 'garmin fr965',
        laps: s.laps.map((l) => ({ ...l })),
        sets: s.sets.map((x) => ({ ...x })),
        streams: s.streams,
      };
    });
}

/** Stores the activities for a UTC athlete, in one transaction. */
export async function insertHistory(db: Kysely<Database>, athleteId: string, activities: NormalizedActivity[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const activity of activities) {
      await insertActivity(trx, { athleteId, activity, localDate: activity.startTime.toISOString().slice(0, 10), timezone: 'UTC' });
    }
  });
}
