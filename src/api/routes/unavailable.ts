/**
 * Days the athlete could not train (illness, injury, travel; issue #18, point 16): their planned
 * sessions are `excused`, and after illness or injury next week is a return to running. Adding or
 * removing a period re-analyses its weeks.
 */
import { z } from 'zod';
import { listUnavailablePeriods } from '../../db/repositories/unavailable.ts';
import type { UnavailablePeriodRow } from '../../db/schema.ts';
import { NOTE_MAX_LENGTH, UNAVAILABLE_REASONS } from '../../domain/athlete-input.ts';
import { isValidDate } from '../../domain/iso-week.ts';
import { athleteScope, requireAuth } from '../../http/auth.ts';
import { errorResponses, notFound } from '../../http/errors.ts';
import type { ApiApp } from '../../http/app.ts';
import { addUnavailablePeriod, removeUnavailablePeriod } from '../../services/athlete-input.ts';
import { IdParams, iso, Uuid } from '../dto.ts';

const date = z.string().refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && isValidDate(d), 'must be a date, YYYY-MM-DD');

const Period = z.object({
  id: Uuid,
  from: z.string().meta({ description: 'first local date unavailable' }),
  to: z.string().meta({ description: 'last local date unavailable (included)' }),
  reason: z.enum(UNAVAILABLE_REASONS),
  note: z.string().nullable(),
  createdAt: z.string(),
});

function periodDto(p: UnavailablePeriodRow): z.infer<typeof Period> {
  return { id: p.id, from: p.from_date, to: p.to_date, reason: p.reason, note: p.note, createdAt: iso(p.created_at) };
}

const NewPeriod = z
  .strictObject({
    from: date,
    to: date.optional().meta({ description: 'default: from (one day)' }),
    reason: z.enum(UNAVAILABLE_REASONS),
    note: z.string().max(NOTE_MAX_LENGTH).nullable().default(null),
  })
  .refine((b) => b.to === undefined || b.to >= b.from, { message: 'must not be before from', path: ['to'] });

export function unavailableRoutes(app: ApiApp): void {
  const { db, jobs, now } = app.deps;

  app.get(
    '/athletes/:id/unavailable',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['athletes'],
        summary: 'the days the athlete could not train, earliest first',
        params: IdParams,
        response: { 200: z.object({ periods: z.array(Period) }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      return { periods: (await listUnavailablePeriods(db, athlete.id)).map(periodDto) };
    },
  );

  app.post(
    '/athletes/:id/unavailable',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['athletes'],
        summary: 'record days the athlete could not train: their planned sessions are excused; the weeks are re-analysed',
        params: IdParams,
        body: NewPeriod,
        response: { 201: Period.extend({ weeksQueued: z.number().int() }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      const { from, to, reason, note } = request.body;
      const { period, weeksQueued } = await addUnavailablePeriod(db, jobs, athlete, { from, to: to ?? from, reason, note }, now());
      return reply.status(201).send({ ...periodDto(period), weeksQueued });
    },
  );

  app.delete(
    '/athletes/:id/unavailable/:periodId',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['athletes'],
        summary: 'remove a recorded period; its weeks are re-analysed',
        params: IdParams.extend({ periodId: Uuid }),
        response: { 204: z.null().meta({ description: 'removed' }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      if ((await removeUnavailablePeriod(db, jobs, athlete, request.params.periodId, now())) === undefined) throw notFound('unavailable period');
      return reply.status(204).send(null);
    },
  );
}
