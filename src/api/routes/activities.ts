/**
 * Activities: a page of the athlete's list (local-date filters) and one activity's detail; what the
 * athlete tells about them (session RPE, note) and sessions logged by hand (issue #18, point 15).
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { getActivity, getActivityDetail } from '../../db/repositories/activities.ts';
import { MANUAL_LIMITS, MANUAL_SPORTS, NOTE_MAX_LENGTH, RPE_MAX, RPE_MIN } from '../../domain/athlete-input.ts';
import { parseReportTime } from '../../domain/report-schedule.ts';
import { annotateActivity, deleteLoggedActivity, FutureSessionError, logManualActivity, NotManualActivityError } from '../../services/athlete-input.ts';
import { activitiesPage, activityMetricsOf, activityOwner } from '../../db/repositories/athlete-data.ts';
import { isValidDate } from '../../domain/iso-week.ts';
import { assertVisible, athleteScope, requireAuth } from '../../http/auth.ts';
import { ActivityDto, activityDto, IdParams, LapDto, lapDto, SetDto, setDto, Uuid } from '../dto.ts';
import { ApiError, errorResponses, notFound } from '../../http/errors.ts';
import type { ApiApp } from '../../http/app.ts';

const date = z.string().refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && isValidDate(d), 'must be a date, YYYY-MM-DD');

const Detail = ActivityDto.extend({
  sourceId: z.string(),
  laps: z.array(LapDto),
  sets: z.array(SetDto),
  metrics: z.record(z.string(), z.unknown()).nullable().meta({ description: 'the analysis metrics (docs/analysis.md); null until the week is analysed' }),
  streams: z.record(z.string(), z.array(z.number().nullable())).nullable().optional().meta({ description: 'sample streams (1 Hz typically), with ?streams=true' }),
});

const Rpe = z.number().int().min(RPE_MIN).max(RPE_MAX).meta({ description: 'session RPE, 1–10 (CR-10: 3 moderate, 5 hard, 7 very hard)' });
const Note = z.string().max(NOTE_MAX_LENGTH);
const L = MANUAL_LIMITS;

const ManualActivity = z
  .strictObject({
    date: date.meta({ description: 'local date' }),
    startTime: z.string().refine((t) => parseReportTime(t) !== null, 'must be a time of day, HH:MM').meta({ description: 'local time it started, HH:MM' }),
    durationS: z.number().int().min(L.minDurationS).max(L.maxDurationS),
    rpe: Rpe,
    sport: z.enum(MANUAL_SPORTS).default('strength'),
    name: z.string().max(L.maxNameLength).nullable().default(null),
    note: Note.nullable().default(null),
    distanceM: z.number().positive().max(500_000).nullable().default(null).meta({ description: 'cross-training distance (never running volume)' }),
    exercises: z
      .array(
        z.strictObject({
          name: z.string().trim().min(1).max(L.maxNameLength),
          sets: z.number().int().min(1).max(L.maxSets),
          reps: z.number().int().min(1).max(L.maxReps),
          weightKg: z.number().min(0).max(L.maxWeightKg).nullable().default(null).meta({ description: 'null: bodyweight' }),
        }),
      )
      .max(L.maxExercises)
      .default([]),
  })
  .refine((b) => b.sport === 'strength' || b.exercises.length === 0, { message: 'exercises are for strength sessions (sport strength)', path: ['exercises'] })
  .meta({ description: 'a session done without a watch' });

const ActivityInput = z
  .strictObject({ rpe: Rpe.nullable().optional().meta({ description: 'null clears it' }), note: Note.nullable().optional().meta({ description: 'null clears it' }) })
  .refine((b) => b.rpe !== undefined || b.note !== undefined, { message: 'give rpe or note', path: ['rpe'] });

const DetailQuery = z.object({ streams: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') });

export function activityRoutes(app: ApiApp): void {
  const { db, jobs, now } = app.deps;

  app.get(
    '/athletes/:id/activities',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['activities'],
        summary: "the athlete's activities, newest first, a page at a time",
        params: IdParams,
        querystring: z
          .object({
            from: date.optional().meta({ description: 'first local date' }),
            to: date.optional().meta({ description: 'last local date' }),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            offset: z.coerce.number().int().min(0).default(0),
          })
          .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] }),
        response: { 200: z.object({ activities: z.array(ActivityDto), limit: z.number(), offset: z.number(), nextOffset: z.number().nullable() }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      const { from, to, limit, offset } = request.query;
      const rows = await activitiesPage(db, athlete.id, { from, to, limit: limit + 1, offset });
      return { activities: rows.slice(0, limit).map(activityDto), limit, offset, nextOffset: rows.length > limit ? offset + limit : null };
    },
  );

  async function detail(request: FastifyRequest, activityId: string, withStreams: boolean): Promise<z.input<typeof Detail>> {
    const found = await getActivityDetail(db, activityId);
    if (found === undefined) throw notFound('activity');
    assertVisible(request, found.activity.athlete_id, 'activity');
    const metrics = await activityMetricsOf(db, activityId);
    return {
      ...activityDto(found.activity),
      sourceId: found.activity.source_id,
      laps: found.laps.map(lapDto),
      sets: found.sets.map(setDto),
      metrics: (metrics as unknown as Record<string, unknown> | undefined) ?? null,
      ...(withStreams && { streams: found.streams as unknown as Record<string, (number | null)[]> | null }),
    };
  }

  app.get(
    '/athletes/:id/activities/:activityId',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['activities'],
        summary: 'one activity with laps, strength sets and metrics',
        params: IdParams.extend({ activityId: Uuid }),
        querystring: DetailQuery,
        response: { 200: Detail, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      // The activity must be this athlete's, whoever asks (the admin included).
      if ((await activityOwner(db, request.params.activityId)) !== athlete.id) throw notFound('activity');
      return detail(request, request.params.activityId, request.query.streams);
    },
  );

  app.post(
    '/athletes/:id/activities',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['activities'],
        summary: 'log a session done without a watch (a strength session with its exercises, or cross-training); its week is re-analysed',
        params: IdParams,
        body: ManualActivity,
        response: { 201: ActivityDto.extend({ sets: z.array(SetDto) }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      const row = await logManualActivity(db, jobs, athlete, request.body, now()).catch((err: unknown) => {
        if (!(err instanceof FutureSessionError)) throw err;
        throw new ApiError(400, 'validation_failed', `invalid request: body.date: ${err.message}`, [{ field: 'body.date', message: err.message }]);
      });
      const found = (await getActivityDetail(db, row.id))!;
      return reply.status(201).send({ ...activityDto(row), sets: found.sets.map(setDto) });
    },
  );

  app.patch(
    '/activities/:activityId',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['activities'],
        summary: "set an activity's session RPE and/or note (null clears one); its week is re-analysed",
        params: z.object({ activityId: Uuid }),
        body: ActivityInput,
        response: { 200: ActivityDto, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const owner = await activityOwner(db, request.params.activityId);
      if (owner === undefined) throw notFound('activity');
      assertVisible(request, owner, 'activity');
      const row = await annotateActivity(db, jobs, request.params.activityId, request.body);
      if (row === undefined) throw notFound('activity');
      return activityDto(row);
    },
  );

  app.delete(
    '/activities/:activityId',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['activities'],
        summary: 'delete a session logged by hand (a recorded activity: 409 not_manual); its week is re-analysed',
        params: z.object({ activityId: Uuid }),
        response: { 204: z.null().meta({ description: 'deleted' }), ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const found = await getActivity(db, request.params.activityId);
      if (found === undefined) throw notFound('activity');
      assertVisible(request, found.athlete_id, 'activity');
      await deleteLoggedActivity(db, jobs, found).catch((err: unknown) => {
        throw err instanceof NotManualActivityError ? new ApiError(409, 'not_manual', err.message) : err;
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/activities/:activityId',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['activities'],
        summary: 'one activity by its id (same as /athletes/:id/activities/:activityId)',
        params: z.object({ activityId: Uuid }),
        querystring: DetailQuery,
        response: { 200: Detail, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => detail(request, request.params.activityId, request.query.streams),
  );
}
