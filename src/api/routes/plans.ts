/**
 * The athlete's active training plan: import (`PUT`, YAML, CSV or JSON in the YAML format's shape;
 * docs/plan-format.md) and export (`GET`, JSON, or `?format=yaml|csv|ics`). Importing makes the plan
 * the active one (the previous one is kept as history) and queues the analysis of the weeks it
 * changes; a malformed plan is a 422 listing every problem with its line (or row) and field.
 */
import { z } from 'zod';
import { athleteByFeedToken } from '../../db/repositories/calendar-feeds.ts';
import { getActivePlan, toTrainingPlan, type StoredPlan } from '../../db/repositories/plans.ts';
import { localDateOf } from '../../domain/time.ts';
import { planToCsv } from '../../ingest/plan/csv.ts';
import { MAX_PLAN_FILE_BYTES } from '../../ingest/plan/fields.ts';
import { planToIcs } from '../../ingest/plan/ics.ts';
import { planToYaml } from '../../ingest/plan/yaml.ts';
import { checkPlan } from '../../plan/check.ts';
import { isValidDate } from '../../domain/iso-week.ts';
import { importPlan, parsePlanFile, type PlanFileFormat } from '../../services/plans.ts';
import { athleteScope, requireAuth } from '../../http/auth.ts';
import { IdParams, iso, isoOrNull, Uuid } from '../dto.ts';
import { ApiError, errorResponses, notFound } from '../../http/errors.ts';
import { sendFile, type ApiApp } from '../../http/app.ts';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
const CSV_TYPES = ['text/csv'];
const JSON_TYPES = ['application/json'];

const Session = z.object({
  id: Uuid,
  date: z.string(),
  order: z.number().int(),
  kind: z.string(),
  distanceM: z.number().nullable(),
  durationS: z.number().nullable(),
  target: z.unknown().nullable().meta({ description: 'intensity target (docs/plan-format.md)' }),
  notes: z.string().nullable(),
});

const PlanDto = z.object({
  plan: z.object({
    id: Uuid,
    name: z.string(),
    startDate: z.string(),
    raceDate: z.string().nullable(),
    raceDistanceM: z.number().nullable(),
    raceGoalS: z.number().nullable(),
    units: z.enum(['km', 'mi']),
    source: z.string(),
    createdAt: z.string(),
    replacedAt: z.string().nullable(),
  }),
  sessions: z.array(Session),
});

const Finding = z.object({ code: z.string(), week: z.string(), date: z.string().optional(), message: z.string(), suggestion: z.string() });

function planDto(stored: StoredPlan): z.infer<typeof PlanDto> {
  const p = stored.plan;
  return {
    plan: {
      id: p.id,
      name: p.name,
      startDate: p.start_date,
      raceDate: p.race_date,
      raceDistanceM: p.race_distance_m,
      raceGoalS: p.race_goal_s,
      units: p.units,
      source: p.source,
      createdAt: iso(p.created_at),
      replacedAt: isoOrNull(p.replaced_at),
    },
    sessions: stored.sessions,
  };
}

function formatOf(contentType: string | undefined): PlanFileFormat | 'json' {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (YAML_TYPES.includes(type)) return 'yaml';
  if (CSV_TYPES.includes(type)) return 'csv';
  if (JSON_TYPES.includes(type)) return 'json';
  throw new ApiError(415, 'unsupported_media_type', `send the plan as application/yaml, text/csv or application/json (got ${type || 'no Content-Type'})`);
}

export function planRoutes(app: ApiApp): void {
  const { db, jobs, now } = app.deps;

  // This scope reads plan bodies as text: JSON too, so the YAML reader (JSON is YAML) reports the
  // line of every problem.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser([...YAML_TYPES, ...CSV_TYPES, ...JSON_TYPES], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.put(
    '/athletes/:id/plan',
    {
      onRequest: requireAuth,
      bodyLimit: MAX_PLAN_FILE_BYTES,
      schema: {
        tags: ['plans'],
        summary: "make a plan the athlete's active plan: YAML (application/yaml), CSV (text/csv) or JSON (application/json, the YAML format's shape)",
        consumes: [...YAML_TYPES, ...CSV_TYPES, ...JSON_TYPES],
        params: IdParams,
        querystring: z.object({
          name: z.string().min(1).max(200).optional().meta({ description: 'plan name for a CSV plan (default "plan")' }),
          start: z
            .string()
            .refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && isValidDate(d), 'must be a date, YYYY-MM-DD')
            .optional()
            .meta({ description: 'first day of a CSV plan (default its first session)' }),
        }),
        body: z.string().meta({ description: 'the plan file (docs/plan-format.md)' }),
        response: { 200: PlanDto.extend({ findings: z.array(Finding).meta({ description: 'plan check findings against the coaching rules' }) }), ...errorResponses(400, 401, 404, 415, 422) },
      },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      const format = formatOf(request.headers['content-type']);
      const plan = parsePlanFile(request.body, `plan.${format}`, {
        format: format === 'csv' ? 'csv' : 'yaml',
        name: request.query.name,
        startDate: request.query.start,
      });
      const at = now();
      const stored = await importPlan(db, jobs, { athleteId: athlete.id, plan, source: format, now: at, today: localDateOf(at, athlete.timezone) });
      return { ...planDto(stored), findings: checkPlan(plan) };
    },
  );

  app.get(
    '/athletes/:id/plan',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['plans'],
        summary: 'the active plan as JSON, or as a YAML, CSV or iCalendar file (?format=)',
        params: IdParams,
        querystring: z.object({ format: z.enum(['json', 'yaml', 'csv', 'ics']).default('json') }),
        response: { 200: PlanDto.meta({ description: 'JSON; with ?format=yaml|csv|ics the file in that format' }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      const stored = await getActivePlan(db, athlete.id);
      if (stored === undefined) throw notFound('plan (the athlete has none yet)');
      const format = request.query.format;
      if (format === 'json') return planDto(stored);
      const plan = toTrainingPlan(stored);
      const [type, text] =
        format === 'ics'
          ? ['text/calendar; charset=utf-8', planToIcs(plan, { uidSeed: athlete.id, athleteName: athlete.name, generatedAt: now() })]
          : format === 'yaml'
            ? ['application/yaml; charset=utf-8', planToYaml(plan)]
            : ['text/csv; charset=utf-8', planToCsv(plan)];
      return sendFile(reply, type, `plan.${format}`, text);
    },
  );

  app.get(
    '/calendar/:feed',
    {
      // The address is the credential: no access log line for it.
      logLevel: 'warn',
      schema: {
        tags: ['plans'],
        summary: "the athlete's plan as an iCalendar feed at its secret address (no token: calendar apps send none); the web app's plan page shows the address",
        params: z.object({ feed: z.string().max(100).meta({ description: '<feed token>.ics' }) }),
        response: { 200: z.string().meta({ description: 'text/calendar' }), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const token = request.params.feed.endsWith('.ics') ? request.params.feed.slice(0, -4) : '';
      const athlete = token === '' ? undefined : await athleteByFeedToken(db, token);
      if (athlete === undefined) throw notFound('calendar (the address is wrong or was reset)');
      const stored = await getActivePlan(db, athlete.id);
      // An athlete without a plan (yet) has an empty calendar: a subscription made early keeps working.
      const ics = planToIcs(stored === undefined ? null : toTrainingPlan(stored), { uidSeed: athlete.id, athleteName: athlete.name, generatedAt: now() });
      return reply.type('text/calendar; charset=utf-8').header('cache-control', 'private, max-age=900').send(ics);
    },
  );
}
