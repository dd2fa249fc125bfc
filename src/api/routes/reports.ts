/**
 * Weekly report pages (issue 7): one week's report, the index of past weeks and the season view, as
 * self-contained HTML pages (default) or JSON (`?format=json`). Same auth as every athlete route: the
 * athlete's own token or the admin's; another athlete's pages are 404.
 *
 * A week with no stored report yet (the weekly job has not run, or the week is still under way) is
 * generated and stored on the first request, like `GET /athletes/:id/weeks/:week`; a week that has
 * not started is 404.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { reportIndex } from '../../db/repositories/report-index.ts';
import { getReport, type StoredReport } from '../../db/repositories/reports.ts';
import type { Athlete } from '../../db/schema.ts';
import { localDateOf } from '../../domain/time.ts';
import { isoWeekOf, isValidIsoWeek } from '../../domain/iso-week.ts';
import { renderReportHtml, renderReportIndexHtml, renderSeasonHtml } from '../../report/html.ts';
import { canonicalJson, REPORT_VERSION } from '../../report/model.ts';
import { renderReportJson } from '../../report/json.ts';
import { loadSeason } from '../../services/season.ts';
import { generateWeeklyReport } from '../../services/reports.ts';
import { athleteScope, requireAuth } from '../../http/auth.ts';
import { IdParams } from '../dto.ts';
import { errorResponses, notFound } from '../../http/errors.ts';
import type { ApiApp } from '../../http/app.ts';

const Format = z.object({ format: z.enum(['html', 'json']).default('html').meta({ description: 'html (default): a page for people; json: the document' }) });

const ReportJsonSchema = z
  .looseObject({ contentHash: z.string(), generatedAt: z.string(), report: z.looseObject({ version: z.number() }) })
  .meta({ description: 'HTML page by default; with ?format=json the report model with its hash and generation time (docs/report.md)' });

const ReportIndexSchema = z
  .object({
    athleteId: z.string(),
    reports: z.array(
      z.object({
        isoWeek: z.string(),
        from: z.string(),
        to: z.string(),
        compliancePct: z.number().nullable(),
        summary: z.string(),
        contentHash: z.string(),
        generatedAt: z.string(),
        href: z.string().meta({ description: 'the report page' }),
      }),
    ),
  })
  .meta({ description: 'HTML page by default; with ?format=json the stored reports, newest week first' });

const SeasonSchema = z
  .looseObject({ version: z.number(), asOf: z.string(), weeks: z.array(z.looseObject({ isoWeek: z.string() })) })
  .meta({ description: 'HTML page by default; with ?format=json the season model: weeks of the plan so far, totals, load curve to race day' });

/**
 * Pages have no script and load nothing: a policy that forbids both costs nothing and stops any
 * injected markup from running or phoning home.
 */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'private, no-cache',
};

function sendPage(reply: FastifyReply, html: string): FastifyReply {
  return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
}

function sendJson(reply: FastifyReply, text: string): FastifyReply {
  return reply.header('cache-control', 'private, no-cache').type('application/json; charset=utf-8').send(text);
}

const reportsPath = (athleteId: string): string => `/athletes/${athleteId}/reports`;
const reportPath = (athleteId: string, isoWeek: string): string => `/athletes/${athleteId}/reports/${isoWeek}`;
const seasonPath = (athleteId: string): string => `/athletes/${athleteId}/season`;

export function reportRoutes(app: ApiApp): void {
  const { db, log, now } = app.deps;

  /**
   * The stored report of the week, generated first when there is none and the week has started, when
   * the stored one is of an older model version, or when it was made on an earlier day of a week then
   * in progress (what is upcoming, missed or due so far depends on the day).
   */
  async function reportOf(athlete: Athlete, isoWeek: string): Promise<StoredReport> {
    const stored = await getReport(db, athlete.id, isoWeek);
    const today = localDateOf(now(), athlete.timezone);
    const stale =
      stored !== undefined &&
      (stored.version !== REPORT_VERSION || (!stored.document.week.complete && localDateOf(stored.generatedAt, athlete.timezone) !== today));
    if (stored !== undefined && !stale) return stored;
    const thisWeek = isoWeekOf(today);
    if (isoWeek > thisWeek) throw notFound(`report of ${isoWeek} (the week has not started)`);
    await generateWeeklyReport({ db, log, now }, athlete.id, isoWeek);
    const made = await getReport(db, athlete.id, isoWeek);
    if (made === undefined) throw new Error(`report of ${isoWeek} was generated but is not stored`);
    return made;
  }

  app.get(
    '/athletes/:id/reports',
    {
      preHandler: requireAuth,
      schema: {
        tags: ['reports'],
        summary: "the athlete's weekly reports, newest first (HTML page, or ?format=json)",
        params: IdParams,
        querystring: Format,
        response: { 200: ReportIndexSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      const rows = await reportIndex(db, athlete.id);
      const items = rows.map((r) => ({
        isoWeek: r.isoWeek,
        from: r.from,
        to: r.to,
        compliancePct: r.headline.compliancePct,
        band: r.headline.complianceBand,
        summary: r.headline.summary,
        contentHash: r.contentHash,
        generatedAt: r.generatedAt,
        href: reportPath(athlete.id, r.isoWeek),
      }));
      if (request.query.format === 'json') {
        const body = { athleteId: athlete.id, reports: items.map(({ band: _band, ...i }) => ({ ...i, generatedAt: i.generatedAt.toISOString() })) };
        return sendJson(reply, canonicalJson(body));
      }
      return sendPage(reply, renderReportIndexHtml(athlete, items, { season: seasonPath(athlete.id) }));
    },
  );

  app.get(
    '/athletes/:id/reports/:week',
    {
      preHandler: requireAuth,
      schema: {
        tags: ['reports'],
        summary: "one week's report: headline, day by day, strength, intensity, load and form, flags, next week (HTML page with charts, or ?format=json)",
        params: IdParams.extend({ week: z.string().refine(isValidIsoWeek, 'must be an ISO week, e.g. 2026-W48') }),
        querystring: Format,
        response: { 200: ReportJsonSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      const report = await reportOf(athlete, request.params.week);
      if (request.query.format === 'json') return sendJson(reply, renderReportJson(report.document, report.generatedAt));
      const html = renderReportHtml(report.document, {
        generatedAt: report.generatedAt,
        links: { reports: reportsPath(athlete.id), season: seasonPath(athlete.id), json: `${reportPath(athlete.id, report.isoWeek)}?format=json` },
      });
      return sendPage(reply, html);
    },
  );

  app.get(
    '/athletes/:id/season',
    {
      preHandler: requireAuth,
      schema: {
        tags: ['reports'],
        summary: 'the season so far: compliance and strength sessions per plan week, load and form curve to race day (HTML page with charts and a table, or ?format=json)',
        params: IdParams,
        querystring: Format,
        response: { 200: SeasonSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      const season = await loadSeason(db, athlete, now());
      if (request.query.format === 'json') return sendJson(reply, canonicalJson(season));
      return sendPage(reply, renderSeasonHtml(season, { links: { reports: reportsPath(athlete.id), reportOf: (w) => reportPath(athlete.id, w) } }));
    },
  );
}
