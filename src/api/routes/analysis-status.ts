/**
 * `GET /athletes/:id/analysis-status`: how far the re-analysis a settings change asked for got
 * (docs/api.md). The change itself answers at once (`PATCH /athletes/:id`, `weeksQueued`); its weeks
 * are re-analysed in the background, in order, and this says how many are done.
 */
import { z } from 'zod';
import { analysisStatus } from '../../services/reanalysis.ts';
import { athleteScope, requireAuth } from '../../http/auth.ts';
import { errorResponses } from '../../http/errors.ts';
import type { ApiApp } from '../../http/app.ts';
import { IdParams } from '../dto.ts';

const instantOrNull = z.string().nullable().meta({ format: 'date-time' });

const AnalysisStatusDto = z.object({
  status: z
    .enum(['up_to_date', 'reanalysing', 'failed'])
    .meta({ description: '`reanalysing` from a settings change until every week it asked for is analysed again; `failed` if its job failed for good first (`error` says why)' }),
  weeksDone: z.number().int().meta({ description: 'weeks of the latest re-analysis done so far' }),
  weeksTotal: z.number().int().meta({ description: 'weeks the latest re-analysis covers (0: none was ever asked for)' }),
  requestedAt: instantOrNull.meta({ description: 'when the latest re-analysis was asked for (ISO 8601), null if never' }),
  finishedAt: instantOrNull.meta({ description: 'when it finished (ISO 8601), null while it runs' }),
  failedAt: instantOrNull.meta({ description: 'when it failed for good (ISO 8601); null unless `failed`' }),
  error: z.string().nullable().meta({ description: 'why it failed, in words: the weeks not re-analysed and the error; null unless `failed`' }),
});

export function analysisStatusRoutes(app: ApiApp): void {
  const { db } = app.deps;
  app.get(
    '/athletes/:id/analysis-status',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['athletes'],
        summary: 'progress of the re-analysis a settings change asked for ("120 of 630 weeks"), or up to date',
        params: IdParams,
        response: { 200: AnalysisStatusDto, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      const s = await analysisStatus(db, athlete.id);
      return { ...s, requestedAt: s.requestedAt?.toISOString() ?? null, finishedAt: s.finishedAt?.toISOString() ?? null, failedAt: s.failedAt?.toISOString() ?? null };
    },
  );
}
