/** Weekly compliance: exactly the document `kinetic week --json` prints (the same function makes it). */
import { z } from 'zod';
import { isValidIsoWeek } from '../../domain/iso-week.ts';
import { weekDocument } from '../../services/weeks.ts';
import { athleteScope, requireAuth } from '../../http/auth.ts';
import { IdParams } from '../dto.ts';
import { errorResponses } from '../../http/errors.ts';
import type { ApiApp } from '../../http/app.ts';
import { verbatim } from '../../http/zod.ts';

const WeekDocument = verbatim(
  z
  .looseObject({ version: z.number(), athleteId: z.string(), isoWeek: z.string(), from: z.string(), to: z.string(), timezone: z.string() })
  .meta({ description: 'the week document (compliance, activities, load, flags, next week) as `kinetic week --json` prints it; docs/analysis.md' }),
);

export function weekRoutes(app: ApiApp): void {
  const { db, now } = app.deps;

  app.get(
    '/athletes/:id/weeks/:isoWeek',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['weeks'],
        summary: "a week's compliance: planned vs done, sessions, strength, hard days, intensity, load, flags (computed and stored on first request)",
        params: IdParams.extend({ isoWeek: z.string().refine(isValidIsoWeek, 'must be an ISO week, e.g. 2026-W48') }),
        querystring: z.object({ refresh: z.enum(['true', 'false']).default('false').meta({ description: 'recompute even when stored' }) }),
        response: { 200: WeekDocument, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      const doc = await weekDocument(db, athlete, request.params.isoWeek, now(), { refresh: request.query.refresh === 'true' });
      return { ...doc };
    },
  );
}
