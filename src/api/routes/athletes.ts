/**
 * Athletes: create (admin; returns the athlete's first API token, shown once), read and change
 * settings, export everything as one JSON document, delete everything in one transaction.
 *
 * Email addresses are unique (any letter case) and are how athletes sign in: an athlete's own change
 * of address is pending until the new address confirms it (src/services/email-change.ts); the
 * administrator's is direct.
 */
import { z } from 'zod';
import { createAthlete, EmailTakenError } from '../../db/repositories/athletes.ts';
import { deleteEmailChange, pendingEmailChange } from '../../db/repositories/email-changes.ts';
import { mailerFromConfig } from '../../email/smtp.ts';
import { insertApiToken } from '../../db/repositories/api-tokens.ts';
import { deleteAthleteData } from '../../db/repositories/athlete-data.ts';
import { revokeStravaAccess } from './strava.ts';
import type { Athlete, AthleteUpdate } from '../../db/schema.ts';
import { isoWeekdayNumber, parseReportTime } from '../../domain/report-schedule.ts';
import { isValidTimeZone } from '../../domain/time.ts';
import { parseWeekday } from '../../domain/iso-week.ts';
import { parseThresholdOverrides, resolveThresholds } from '../../recommend/types.ts';
import { changeAthleteSettings } from '../../services/athletes.ts';
import { EmailChangeUnavailableError, requestEmailChange } from '../../services/email-change.ts';
import { applyReportSchedule, removeReportSchedule, ReportScheduleSyncError } from '../../services/report-schedule.ts';
import { athleteScope, requireAdmin, requireAuth } from '../../http/auth.ts';
import { AthleteDto, athleteDto, IdParams, parsePace } from '../dto.ts';
import { ApiError, errorResponses, notFound } from '../../http/errors.ts';
import { ExportDocument, sendExport } from '../export.ts';
import type { ApiApp } from '../../http/app.ts';
import { hashToken, newApiToken } from '../../services/api-tokens.ts';

const name = z.string().trim().min(1, 'must not be empty').max(200);
const timezone = z.string().refine(isValidTimeZone, 'unknown time zone (use an IANA name such as Europe/London)');
const email = z.email('not an email address');
const sex = z.enum(['f', 'm']);
const maxHr = z.number().int().min(100).max(250);
const restingHr = z.number().int().min(25).max(120);
const lthr = z.number().int().min(80).max(240);
const thresholdPace = z
  .string()
  .refine((v) => parsePace(v) !== undefined, 'must look like 4:10/km or 6:45/mi')
  .meta({ description: 'threshold pace, e.g. 4:10/km or 6:45/mi' });
const units = z.enum(['km', 'mi']);
const reportDay = z
  .string()
  .transform((v, ctx) => {
    const day = parseWeekday(v);
    if (day === null) {
      ctx.addIssue({ code: 'custom', message: 'must be a weekday: mon, tue, wed, thu, fri, sat or sun' });
      return z.NEVER;
    }
    return isoWeekdayNumber(day);
  })
  .meta({ description: 'weekday of the weekly report: mon … sun (default mon)' });
const reportTime = z
  .string()
  .transform((v, ctx) => {
    const time = parseReportTime(v);
    if (time === null) {
      ctx.addIssue({ code: 'custom', message: 'must be a time of day, HH:MM from 00:00 to 23:59' });
      return z.NEVER;
    }
    return time;
  })
  .meta({ description: 'local time of the weekly report, HH:MM (default 07:00)' });
const thresholds = z.record(z.string(), z.number()).meta({ description: 'recommender threshold overrides (docs/flags.md); replaces the stored overrides' });

const CreateAthlete = z.strictObject({
  name,
  timezone,
  email: email.optional(),
  sex: sex.optional(),
  maxHr: maxHr.optional(),
  restingHr: restingHr.optional(),
  lthr: lthr.optional(),
  thresholdPace: thresholdPace.optional(),
  units: units.default('km'),
  reportDay: reportDay.optional(),
  reportTime: reportTime.optional(),
});

const PatchAthlete = z
  .strictObject({
    name: name.optional(),
    timezone: timezone.optional(),
    email: email.nullable().optional(),
    sex: sex.nullable().optional(),
    maxHr: maxHr.nullable().optional(),
    restingHr: restingHr.nullable().optional(),
    lthr: lthr.nullable().optional(),
    thresholdPace: thresholdPace.nullable().optional(),
    units: units.optional(),
    reportDay: reportDay.optional(),
    reportTime: reportTime.optional(),
    thresholds: thresholds.nullable().optional(),
  })
  .meta({ description: 'fields to change; null clears an optional setting' });

const ExportQuery = z.object({
  include: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parts = (v ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
      const bad = parts.filter((p) => p !== 'files' && p !== 'streams');
      if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `unknown include "${bad.join(', ')}" (files, streams)` });
      return new Set(parts);
    })
    .meta({ description: 'comma-separated: `files` makes the export a zip of the document (data.json) and every uploaded file, `streams` adds each activity\'s sample streams' }),
});

const pendingEmail = z
  .string()
  .nullable()
  .meta({ description: 'a new email address waiting for confirmation from the link mailed to it (24 hours); `email` stays the old one until then' });

function emailTaken(err: unknown): never {
  if (err instanceof EmailTakenError) throw new ApiError(409, 'email_taken', `${err.message}: each athlete needs an address of their own (it is how they sign in)`);
  throw err;
}

function thresholdsColumn(value: Record<string, number> | null): string | null {
  if (value === null || Object.keys(value).length === 0) return null;
  // Names every bad field (ThresholdsError → 400).
  resolveThresholds(parseThresholdOverrides(value));
  return JSON.stringify(value);
}

export function athleteRoutes(app: ApiApp): void {
  const { db, jobs, now, log, config } = app.deps;
  const mailer = mailerFromConfig(config);
  if (mailer !== undefined) {
    app.addHook('onClose', () => {
      mailer.close();
    });
  }

  /**
   * The athlete's weekly-report scheduler follows their zone, day and time (BullMQ mode; nothing in
   * embedded mode). The athlete is saved either way: when Redis does not take the change, the
   * request still succeeds and `kinetic worker` brings the scheduler in line when it reconciles.
   */
  async function syncSchedule(athlete: Athlete): Promise<void> {
    try {
      await applyReportSchedule({ db, queue: jobs, log }, athlete, now());
    } catch (err) {
      if (!(err instanceof ReportScheduleSyncError)) throw err;
      log.warn({ athleteId: athlete.id, err: err.message }, 'report schedule not updated yet');
    }
  }

  app.post(
    '/athletes',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['athletes'],
        summary: 'create an athlete (admin); the response carries their API token, shown only this once',
        body: CreateAthlete,
        response: {
          201: AthleteDto.extend({ token: z.string().meta({ description: 'the athlete API token: store it, it is not shown again' }) }),
          ...errorResponses(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const token = newApiToken();
      const athlete = await db.transaction().execute(async (trx) => {
        const a = await createAthlete(trx, {
          name: b.name,
          timezone: b.timezone,
          email: b.email ?? null,
          sex: b.sex ?? null,
          max_hr: b.maxHr ?? null,
          resting_hr: b.restingHr ?? null,
          lthr: b.lthr ?? null,
          threshold_speed_mps: b.thresholdPace === undefined ? null : parsePace(b.thresholdPace)!,
          units: b.units,
          ...(b.reportDay !== undefined && { report_weekday: b.reportDay }),
          ...(b.reportTime !== undefined && { report_time: b.reportTime }),
        });
        await insertApiToken(trx, a.id, hashToken(token));
        return a;
      }).catch(emailTaken);
      request.log.info({ athleteId: athlete.id }, 'athlete created');
      await syncSchedule(athlete);
      return reply.status(201).send({ ...athleteDto(athlete), token });
    },
  );

  app.get(
    '/athletes/:id',
    {
      onRequest: requireAuth,
      schema: { tags: ['athletes'], summary: 'an athlete and their settings', params: IdParams, response: { 200: AthleteDto.extend({ pendingEmail }), ...errorResponses(401, 404) } },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      return { ...athleteDto(athlete), pendingEmail: (await pendingEmailChange(db, athlete.id, now()))?.email ?? null };
    },
  );

  app.patch(
    '/athletes/:id',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['athletes'],
        summary:
          "change settings; a new time zone re-dates activities, and changes analysis depends on re-analyse every week (queued). An athlete's new email is pending until confirmed from the link mailed to it (`pendingEmail`); the admin's is direct",
        params: IdParams,
        body: PatchAthlete,
        response: {
          200: AthleteDto.extend({ weeksQueued: z.number().int().meta({ description: 'weeks queued for re-analysis' }), pendingEmail }),
          ...errorResponses(400, 401, 404, 409, 503),
        },
      },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      const b = request.body;
      // The email: the same address (in any case) or null is set at once; a new address is the
      // admin's to set directly, an athlete's to confirm from the new inbox.
      const sameAddress = b.email !== undefined && b.email !== null && athlete.email !== null && b.email.toLowerCase() === athlete.email.toLowerCase();
      const direct = b.email !== undefined && (b.email === null || sameAddress || request.principal?.kind === 'admin');
      const changes: AthleteUpdate = {
        ...(b.name !== undefined && { name: b.name }),
        ...(b.timezone !== undefined && { timezone: b.timezone }),
        ...(direct && { email: b.email }),
        ...(b.sex !== undefined && { sex: b.sex }),
        ...(b.maxHr !== undefined && { max_hr: b.maxHr }),
        ...(b.restingHr !== undefined && { resting_hr: b.restingHr }),
        ...(b.lthr !== undefined && { lthr: b.lthr }),
        ...(b.thresholdPace !== undefined && { threshold_speed_mps: b.thresholdPace === null ? null : parsePace(b.thresholdPace)! }),
        ...(b.units !== undefined && { units: b.units }),
        ...(b.reportDay !== undefined && { report_weekday: b.reportDay }),
        ...(b.reportTime !== undefined && { report_time: b.reportTime }),
        ...(b.thresholds !== undefined && { recommend_thresholds: thresholdsColumn(b.thresholds) }),
      };
      if (b.email !== undefined && b.email !== null && !direct) {
        try {
          await requestEmailChange({ db, mailer, log }, { athlete, email: b.email, base: app.publicBase.url, now: now() });
        } catch (err) {
          if (err instanceof EmailChangeUnavailableError) throw new ApiError(503, 'email_unavailable', err.message);
          request.log.error({ err }, 'email change: confirmation mail not sent');
          throw new ApiError(503, 'email_unavailable', 'the confirmation email to the new address could not be sent: try again in a minute');
        }
      }
      // A direct change of address (or clearing it) ends a pending one.
      if (direct && !sameAddress) await deleteEmailChange(db, athlete.id);
      const pending = async (): Promise<string | null> => (await pendingEmailChange(db, athlete.id, now()))?.email ?? null;
      if (Object.keys(changes).length === 0) return { ...athleteDto(athlete), weeksQueued: 0, pendingEmail: await pending() };
      const { athlete: updated, weeksQueued } = await changeAthleteSettings(db, jobs, athlete, changes, now()).catch(emailTaken);
      if (updated.timezone !== athlete.timezone || updated.report_weekday !== athlete.report_weekday || updated.report_time !== athlete.report_time) {
        await syncSchedule(updated);
      }
      return { ...athleteDto(updated), weeksQueued, pendingEmail: await pending() };
    },
  );

  app.get(
    '/athletes/:id/export',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['athletes'],
        summary: "all of the athlete's data as one JSON document, or with ?include=files a zip of it and the uploaded files; streamed (see docs/api.md, Export)",
        produces: ['application/json', 'application/zip'],
        params: IdParams,
        querystring: ExportQuery,
        response: { 200: ExportDocument, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      return sendExport(reply, db, athlete, { withFiles: request.query.include.has('files'), withStreams: request.query.include.has('streams'), now: now() });
    },
  );

  app.delete(
    '/athletes/:id',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['athletes'],
        summary: 'delete the athlete and every row of theirs (uploads with their bytes, activities, plans, metrics, weeks, tokens, Strava connection: access is revoked on Strava first) in one transaction',
        params: IdParams,
        response: { 204: z.null().meta({ description: 'deleted' }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      // Strava is told first, while the tokens still exist; the connection row goes with the athlete.
      await revokeStravaAccess(app, athlete.id);
      const deleted = await db.transaction().execute((trx) => deleteAthleteData(trx, athlete.id));
      if (!deleted) throw notFound('athlete');
      request.log.info({ athleteId: athlete.id }, 'athlete deleted');
      await removeReportSchedule(jobs, athlete.id).catch((err: unknown) => {
        // `kinetic worker` removes the schedulers of deleted athletes when it reconciles.
        log.warn({ athleteId: athlete.id, err: err instanceof Error ? err.message : String(err) }, 'report scheduler not removed yet');
      });
      return reply.status(204).send(null);
    },
  );
}
