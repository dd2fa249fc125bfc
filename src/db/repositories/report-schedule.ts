/** What the weekly schedule reads to know which due reports exist already. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** `<athleteId> <isoWeek>` → when that week's stored report was generated, for these athletes and weeks. */
export async function reportGenerationTimes(db: Db, athleteIds: readonly string[], isoWeeks: readonly string[]): Promise<Map<string, Date>> {
  if (athleteIds.length === 0 || isoWeeks.length === 0) return new Map();
  const rows = await db
    .selectFrom('weekly_reports')
    .select(['athlete_id', 'iso_week', 'generated_at'])
    .where('athlete_id', 'in', [...athleteIds])
    .where('iso_week', 'in', [...isoWeeks])
    .execute();
  return new Map(rows.map((r) => [`${r.athlete_id} ${r.iso_week}`, r.generated_at]));
}
