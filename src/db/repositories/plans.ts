import type { Kysely, Transaction } from 'kysely';
import type { PlannedSession, TrainingPlan } from '../../domain/plan.ts';
import { insertBatches } from '../batch.ts';
import type { Database, PlanRow, PlannedSessionRow } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredPlan {
  plan: PlanRow;
  sessions: (PlannedSession & { id: string })[];
}

/**
 * Makes `plan` the athlete's active plan; the previous active plan is kept, marked replaced.
 * Needs a transaction: the swap and the sessions land together or not at all.
 */
export async function replaceActivePlan(
  trx: Transaction<Database>,
  input: { athleteId: string; plan: TrainingPlan; source: string; now: Date },
): Promise<StoredPlan> {
  await trx
    .updateTable('plans')
    .set({ active: false, replaced_at: input.now })
    .where('athlete_id', '=', input.athleteId)
    .where('active', '=', true)
    .execute();
  const p = input.plan;
  const plan = await trx
    .insertInto('plans')
    .values({
      athlete_id: input.athleteId,
      name: p.name,
      start_date: p.startDate,
      race_date: p.race?.date ?? null,
      race_distance_m: p.race?.distanceM ?? null,
      race_goal_s: p.race?.goalTimeS ?? null,
      units: p.units,
      source: input.source,
      replaced_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const rows: PlannedSessionRow[] = [];
  // In batches under the parameter limits (8 values per session): a plan of 9,000 sessions was one
  // statement over Postgres' 65,535.
  for (const sessions of insertBatches(p.sessions, 8)) {
    const batch = await trx
      .insertInto('planned_sessions')
      .values(
        sessions.map((s) => ({
          plan_id: plan.id,
          date: s.date,
          day_order: s.order,
          kind: s.kind,
          distance_m: s.distanceM,
          duration_s: s.durationS,
          target: s.target === null ? null : JSON.stringify(s.target),
          notes: s.notes,
        })),
      )
      .returningAll()
      .execute();
    rows.push(...batch);
  }
  return { plan, sessions: rows.map(toPlannedSession).sort(bySchedule) };
}

export function toPlannedSession(r: PlannedSessionRow): PlannedSession & { id: string } {
  return {
    id: r.id,
    date: r.date,
    order: r.day_order,
    kind: r.kind,
    distanceM: r.distance_m,
    durationS: r.duration_s,
    target: r.target,
    notes: r.notes,
  };
}

function bySchedule(a: PlannedSession & { id: string }, b: PlannedSession & { id: string }): number {
  return a.date.localeCompare(b.date) || a.order - b.order || a.id.localeCompare(b.id);
}

export async function getActivePlan(db: Db, athleteId: string): Promise<StoredPlan | undefined> {
  const plan = await db
    .selectFrom('plans')
    .selectAll()
    .where('athlete_id', '=', athleteId)
    .where('active', '=', true)
    .executeTakeFirst();
  if (plan === undefined) return undefined;
  return { plan, sessions: await plannedSessions(db, plan.id) };
}

export async function plannedSessions(
  db: Db,
  planId: string,
  range?: { from: string; to: string },
): Promise<(PlannedSession & { id: string })[]> {
  let q = db.selectFrom('planned_sessions').selectAll().where('plan_id', '=', planId);
  if (range !== undefined) q = q.where('date', '>=', range.from).where('date', '<=', range.to);
  const rows = await q.orderBy('date').orderBy('day_order').orderBy('id').execute();
  return rows.map(toPlannedSession);
}

export async function listPlans(db: Db, athleteId: string): Promise<PlanRow[]> {
  return db.selectFrom('plans').selectAll().where('athlete_id', '=', athleteId).orderBy('created_at', 'desc').execute();
}

/** The stored plan as the domain object (for export and checking). */
export function toTrainingPlan(stored: StoredPlan): TrainingPlan {
  const p = stored.plan;
  return {
    name: p.name,
    startDate: p.start_date,
    race: p.race_date === null ? null : { date: p.race_date, distanceM: p.race_distance_m, goalTimeS: p.race_goal_s },
    units: p.units,
    sessions: stored.sessions.map(({ id: _id, ...s }) => s),
  };
}
