/** The index of an athlete's weekly reports: each week's headline, read from the stored documents without the rest of them. */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { ReportHeadline } from '../../domain/report-model.ts';
import type { Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface ReportIndexRow {
  id: string;
  isoWeek: string;
  from: string;
  to: string;
  headline: ReportHeadline;
  contentHash: string;
  generatedAt: Date;
}

/** The athlete's stored reports, newest week first, with their headlines. */
export async function reportIndex(db: Db, athleteId: string): Promise<ReportIndexRow[]> {
  const rows = await db
    .selectFrom('weekly_reports')
    .select([
      'id',
      'iso_week',
      'content_hash',
      'generated_at',
      // `->` works on json and jsonb alike.
      sql<ReportHeadline>`document -> 'headline'`.as('headline'),
      sql<string>`document -> 'week' ->> 'from'`.as('from'),
      sql<string>`document -> 'week' ->> 'to'`.as('to'),
    ])
    .where('athlete_id', '=', athleteId)
    .orderBy('iso_week', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    isoWeek: r.iso_week,
    from: r.from,
    to: r.to,
    // PGlite and pg both parse json(b) results; a driver that hands back text still gives a string here.
    headline: typeof r.headline === 'string' ? (JSON.parse(r.headline) as ReportHeadline) : r.headline,
    contentHash: r.content_hash,
    generatedAt: r.generated_at,
  }));
}
