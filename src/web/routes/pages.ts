/**
 * The signed-in pages (docs/web.md): this week, uploads, plan, reports, settings. Every page is the
 * session's own athlete: no athlete id is taken from the URL, so no page can show another athlete.
 * Changes go through the API's own routes (`forward`, in-process with the browser's session and CSRF
 * token) or the services they use, so the rules and messages are the API's.
 */
import { readFileSync } from 'node:fs';
import formbody from '@fastify/formbody';
import multipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest, LightMyRequestResponse } from 'fastify';
import { uploadActivityIds, uploadsPage } from '../../db/repositories/athlete-data.ts';
import { calendarFeedToken, resetCalendarFeedToken } from '../../db/repositories/calendar-feeds.ts';
import { pendingEmailChange } from '../../db/repositories/email-changes.ts';
import { getActivePlan, toTrainingPlan } from '../../db/repositories/plans.ts';
import { reportIndex } from '../../db/repositories/report-index.ts';
import { findConnection } from '../../db/repositories/strava.ts';
import { deleteLoginLinksOf } from '../../db/repositories/web-sessions.ts';
import type { Athlete } from '../../db/schema.ts';
import { localDateOf } from '../../domain/time.ts';
import { PlanFormatError } from '../../ingest/plan/errors.ts';
import { MAX_PLAN_FILE_BYTES, MAX_PLAN_SESSIONS } from '../../ingest/plan/fields.ts';
import { missingStravaConfig } from '../../ingest/strava/services.ts';
import { checkPlan } from '../../plan/check.ts';
import { GeneratePlanError, generatePlan, parseGenerateArgs } from '../../plan/generate.ts';
import { isoWeekOf, WEEKDAYS } from '../../domain/iso-week.ts';
import { importPlan, parsePlanFile } from '../../services/plans.ts';
import { analysisStatus, type AnalysisStatus } from '../../services/reanalysis.ts';
import { weekDocument } from '../../services/weeks.ts';
import { bandWords, complianceParts, partLines, plannedToDate, weekComplete } from '../../report/parts.ts';
import { parseThresholdOverrides, resolveThresholds } from '../../recommend/types.ts';
import type { ApiApp } from '../../http/app.ts';
import { athleteOf, hideFromOpenApi, registerWebErrors, requireCsrf, requireSignedIn, WebPageError } from '../guard.ts';
import { html, type HtmlValue } from '../html.ts';
import { page, sendHtml, type Section } from '../layout.ts';
import { csrfOf, csrfToken, SESSION_COOKIE } from '../../http/session.ts';
import { fileBytes, readParts } from '../../http/multipart.ts';
import { takeFlash } from '../flash.ts';

const STATIC = {
  'web.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('../static/web.css', import.meta.url)) },
  'web.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('../static/web.js', import.meta.url)) },
} as const;

const FINAL = new Set(['imported', 'duplicate', 'failed']);

/** The plan file of the import form; over MAX_PLAN_FILE_BYTES is a 413 page saying so. */
async function planFileBytes(part: MultipartFile): Promise<Buffer> {
  try {
    return await fileBytes(part);
  } catch (err) {
    if ((err as { statusCode?: unknown }).statusCode !== 413) throw err;
    throw new WebPageError(413, `The plan was not imported: ${part.filename} is larger than ${MAX_PLAN_FILE_BYTES / 1024 / 1024} MB, the limit for a plan file (about ${MAX_PLAN_SESSIONS.toLocaleString('en')} sessions at most).`);
  }
}

function km(m: number, units: 'km' | 'mi'): string {
  return units === 'mi' ? `${(m / 1609.344).toFixed(1)} mi` : `${(m / 1000).toFixed(1)} km`;
}

/** Sends a request through the app itself as this browser (its session cookie and CSRF token). */
async function forward(request: FastifyRequest, o: { method: 'PATCH' | 'DELETE' | 'POST' | 'PUT'; url: string; payload?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse> {
  const token = csrfOf(request);
  return request.server.inject({
    method: o.method,
    url: o.url,
    headers: { cookie: request.headers.cookie ?? '', 'x-csrf-token': typeof token === 'string' ? token : '', ...o.headers },
    ...(o.payload !== undefined && { payload: o.payload as string }),
  });
}

function apiMessage(res: LightMyRequestResponse): string {
  try {
    const e = res.json<{ error?: { message?: string; details?: unknown } }>().error;
    const details = Array.isArray(e?.details) ? (e.details as { path?: string; message?: string }[]).map((d) => `${d.path ?? ''}: ${d.message ?? ''}`).join('; ') : '';
    return `${e?.message ?? `HTTP ${res.statusCode}`}${details === '' ? '' : ` (${details})`}`;
  } catch {
    return `HTTP ${res.statusCode}`;
  }
}

function shell(request: FastifyRequest, reply: FastifyReply, section: Section, title: string, body: HtmlValue, o: { notice?: string; error?: string; status?: number } = {}): FastifyReply {
  const athlete = athleteOf(request);
  return sendHtml(
    reply,
    page({ title, section, athleteName: athlete.name, csrf: csrfToken(request, reply), body, ...(o.notice !== undefined && { notice: o.notice }), ...(o.error !== undefined && { error: o.error }) }),
    o.status ?? 200,
  );
}

export async function webPageRoutes(app: ApiApp): Promise<void> {
  const { db, jobs, now, config } = app.deps;
  hideFromOpenApi(app);
  await app.register(formbody);
  // The plan import's file: no larger than the API takes as a plan body.
  await app.register(multipart, { limits: { fileSize: MAX_PLAN_FILE_BYTES, files: 1 } });
  registerWebErrors(app);

  app.get('/static/:file', async (request, reply) => {
    const file = STATIC[(request.params as { file: string }).file as keyof typeof STATIC] as (typeof STATIC)[keyof typeof STATIC] | undefined;
    if (file === undefined) return reply.status(404).type('text/plain').send('not found');
    return reply.header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff').type(file.type).send(file.body);
  });

  // ---- This week -------------------------------------------------------------------------------
  app.get('/app', { onRequest: requireSignedIn }, async (request, reply) => {
    const athlete = athleteOf(request);
    const today = localDateOf(now(), athlete.timezone);
    const doc = await weekDocument(db, athlete, undefined, now());
    const c = doc.compliance;
    const units = athlete.units;
    // Scored on what was due by today, not on the whole week (issue #18, point 1), as parts (point 14).
    const due = plannedToDate(c);
    const soFar = weekComplete(c) ? '' : ' so far';
    const parts = complianceParts(doc, resolveThresholds(parseThresholdOverrides(athlete.recommend_thresholds ?? {})).minWeeklyStrengthMinutes);
    const body = html`<p class="lede">Today is <strong data-testid="today">${today}</strong> in ${athlete.timezone}: week <strong data-testid="iso-week">${doc.isoWeek}</strong> (${doc.from} to ${doc.to}).</p>
<div class="cards">
<section class="card" aria-labelledby="c-h"><h2 id="c-h">Compliance${soFar}</h2><p class="big" data-testid="compliance">${parts.overall === null ? (due.sessions === 0 && c.planned.sessions > 0 ? 'nothing due yet' : '—') : `${parts.overall}: ${bandWords(parts.overall)}`}</p><p>${c.actual.sessionsCompleted} of ${due.sessions} sessions due${soFar} done${due.sessions < c.planned.sessions ? ` (${c.planned.sessions} this week)` : ''}</p>
<ul class="parts" data-testid="compliance-parts">${partLines(parts).map((p) => html`<li data-part="${p.label}">${p.label}: <strong>${p.band ?? 'not yet'}</strong> — ${p.text}</li>`)}</ul></section>
<section class="card" aria-labelledby="d-h"><h2 id="d-h">Distance${soFar}</h2><p class="big">${km(c.actual.distanceM, units)}</p><p>of ${km(due.distanceM, units)} planned${soFar}${due.distanceM < c.planned.distanceM ? ` (${km(c.planned.distanceM, units)} this week)` : ''}</p></section>
<section class="card" aria-labelledby="s-h"><h2 id="s-h">Strength</h2><p class="big" data-testid="strength">${c.actual.strengthSessions} / ${c.planned.strengthSessions}</p><p>sessions done / planned (${Math.round(c.actual.strengthMinutes)} of ${Math.round(c.planned.strengthMinutes)} min)</p></section>
</div>
<section aria-labelledby="f-h"><h2 id="f-h">Flags</h2>
${doc.flags.length === 0 ? html`<p>No flags this week.</p>` : html`<ul class="flags">${doc.flags.map((f) => html`<li class="flag ${f.severity}"><strong>${f.severity}:</strong> ${f.message} <span class="suggestion">${f.suggestion}</span></li>`)}</ul>`}
</section>
<p><a class="button" href="/athletes/${athlete.id}/reports/${doc.isoWeek}">Full report for ${doc.isoWeek}</a></p>`;
    return shell(request, reply, 'dashboard', 'This week', body);
  });

  // ---- Uploads ---------------------------------------------------------------------------------
  async function uploadsBody(request: FastifyRequest, reply: FastifyReply, athlete: Athlete): Promise<HtmlValue> {
    const rows = await uploadsPage(db, athlete.id, { limit: 100, offset: 0 });
    const ids = await uploadActivityIds(db, rows.map((u) => u.id));
    const csrf = csrfToken(request, reply);
    return html`<form method="post" action="/app/uploads?_csrf=${encodeURIComponent(csrf)}" enctype="multipart/form-data" class="stack" data-upload-form>
<label for="files">FIT files (also .fit.gz), or zips of them (Garmin's or Strava's bulk export)</label>
<div class="drop" data-drop>Drop files here or <input id="files" name="file" type="file" multiple accept=".fit,.FIT,.gz,.zip,application/zip,application/gzip,application/octet-stream" required></div>
<button type="submit">Upload</button>
<progress max="100" value="0" hidden data-progress aria-label="Upload progress"></progress>
</form>
<section aria-labelledby="u-h"><h2 id="u-h">Recent uploads</h2>
<p class="hint">Status updates by itself while files are processed; without JavaScript, reload the page.</p>
<ul class="uploads" data-uploads aria-live="polite">${rows.map(
      (u) =>
        html`<li data-upload-id="${u.id}" data-status="${u.status}"${FINAL.has(u.status) ? null : html` data-pending`}><span class="name">${u.filename}</span> <span class="status ${u.status}" data-status-text>${u.status}</span>${u.error === null ? null : html` <span class="detail">${u.error}</span>`}${(ids.get(u.id) ?? []).length > 0 ? html` <span class="detail">${activities((ids.get(u.id) ?? []).length)}</span>` : null}</li>`,
    )}</ul></section>`;
  }

  app.get('/app/uploads', { onRequest: requireSignedIn }, async (request, reply) => {
    const q = request.query as { received?: unknown };
    const received = typeof q.received === 'string' && /^\d{1,6}$/.test(q.received) ? Number(q.received) : undefined;
    const problem = takeFlash(request, reply);
    const o = {
      ...(received !== undefined && { notice: `${received} file(s) received: they are processed in the background.` }),
      ...(problem !== undefined && { error: `Upload problem: ${problem}` }),
    };
    return shell(request, reply, 'uploads', 'Uploads', await uploadsBody(request, reply, athleteOf(request)), o);
  });

  // ---- Plan ------------------------------------------------------------------------------------
  async function planBody(request: FastifyRequest, reply: FastifyReply, athlete: Athlete): Promise<HtmlValue> {
    const csrf = csrfToken(request, reply);
    const stored = await getActivePlan(db, athlete.id);
    const today = localDateOf(now(), athlete.timezone);
    const forms = html`<div class="cards">
<section class="card" aria-labelledby="pi-h"><h2 id="pi-h">Import a plan</h2>
<form method="post" action="/app/plan/import?_csrf=${encodeURIComponent(csrf)}" enctype="multipart/form-data" class="stack">
<label for="plan-file">YAML or CSV file (docs/plan-format.md)</label><input id="plan-file" name="plan" type="file" accept=".yaml,.yml,.csv" required>
<label for="plan-start">Start date (CSV plans without dates)</label><input id="plan-start" name="startDate" type="date">
<button type="submit">Import plan</button></form></section>
<section class="card" aria-labelledby="pg-h"><h2 id="pg-h">Generate a marathon plan</h2>
<form method="post" action="/app/plan/generate" class="stack"><input type="hidden" name="_csrf" value="${csrf}">
<label for="g-race">Race date</label><input id="g-race" name="raceDate" type="date" required>
<label for="g-weeks">Weeks (12–20)</label><input id="g-weeks" name="weeks" type="number" min="12" max="20" value="16">
<label for="g-runs">Runs per week (3–7)</label><input id="g-runs" name="runsPerWeek" type="number" min="3" max="7" value="5">
<label for="g-long">Long run day</label><select id="g-long" name="longRunDay">${WEEKDAYS.map((d) => html`<option value="${d}"${d === 'sun' ? html` selected` : null}>${d}</option>`)}</select>
<label for="g-strength">Strength sessions per week</label><input id="g-strength" name="strengthSessions" type="number" min="0" max="3" value="2">
<button type="submit">Generate plan</button></form></section></div>`;
    const calendar = await calendarSection(athlete, csrf);
    if (stored === undefined) return html`<p>No plan yet: import yours or generate one.</p>${forms}${calendar}`;
    const plan = toTrainingPlan(stored);
    const findings = checkPlan(plan);
    const byWeek = new Map<string, typeof stored.sessions>();
    for (const s of stored.sessions) byWeek.set(isoWeekOf(s.date), [...(byWeek.get(isoWeekOf(s.date)) ?? []), s]);
    const thisWeek = isoWeekOf(today);
    return html`<p class="lede" data-testid="plan-name"><strong>${stored.plan.name}</strong>: ${stored.plan.start_date} to ${stored.plan.race_date ?? stored.sessions.at(-1)?.date ?? ''}, ${byWeek.size} weeks.</p>
<p><a href="/athletes/${athlete.id}/plan?format=ics">Calendar (ICS)</a> · <a href="/athletes/${athlete.id}/plan?format=yaml">Download YAML</a></p>
<section aria-labelledby="pc-h"><h2 id="pc-h">Plan check</h2>${findings.length === 0 ? html`<p>No problems found.</p>` : html`<ul class="flags">${findings.map((f) => html`<li><strong>${f.week}</strong> ${f.message} <span class="suggestion">${f.suggestion}</span></li>`)}</ul>`}</section>
<section aria-labelledby="pw-h"><h2 id="pw-h">Weeks</h2>${[...byWeek.entries()].map(
      ([week, sessions]) => html`<details${week === thisWeek ? html` open` : null}><summary>${week}${week === thisWeek ? ' (this week)' : ''}</summary><table><caption class="sr-only">Sessions of ${week}</caption><thead><tr><th scope="col">Date</th><th scope="col">Session</th><th scope="col">Distance</th><th scope="col">Duration</th><th scope="col">Notes</th></tr></thead><tbody>${sessions.map(
        (s) => html`<tr><td>${s.date}</td><td>${s.kind}</td><td>${s.distanceM === null ? '' : km(s.distanceM, athlete.units)}</td><td>${s.durationS === null ? '' : `${Math.round(s.durationS / 60)} min`}</td><td>${s.notes ?? ''}</td></tr>`,
      )}</tbody></table></details>`,
    )}</section>${forms}${calendar}`;
  }

  /** The secret feed address calendar apps subscribe to (they send no cookie), and its reset. */
  async function calendarSection(athlete: Athlete, csrf: string): Promise<HtmlValue> {
    const token = await calendarFeedToken(db, athlete.id, now());
    const url = `${app.publicBase.url}/calendar/${token}.ics`;
    return html`<section aria-labelledby="cal-h"><h2 id="cal-h">Calendar subscription</h2>
<p>Add your plan to Google Calendar (“From URL”), Apple Calendar (“New Calendar Subscription”) or Outlook (“Subscribe from web”) with this address; the calendar follows every change to your plan.</p>
<div class="stack wide"><label for="cal-url">Calendar address</label>
<input id="cal-url" type="url" readonly value="${url}" data-testid="calendar-url"></div>
<p><a href="${url.replace(/^https?:/, 'webcal:')}">Open in my calendar app</a></p>
<form method="post" action="/app/plan/calendar/reset" class="stack"><input type="hidden" name="_csrf" value="${csrf}">
<p class="hint">Anyone with the address can read your plan. If it leaked, reset it: the old address stops working and calendars subscribed to it must subscribe again.</p>
<button type="submit">Reset the calendar address</button></form></section>`;
  }

  app.post('/app/plan/calendar/reset', { onRequest: requireSignedIn, preHandler: requireCsrf }, async (request, reply) => {
    const athlete = athleteOf(request);
    await resetCalendarFeedToken(db, athlete.id, now());
    request.log.info({ athleteId: athlete.id }, 'calendar address reset');
    return shell(request, reply, 'plan', 'Plan', await planBody(request, reply, athlete), { notice: 'New calendar address: the old one no longer works.' });
  });

  app.get('/app/plan', { onRequest: requireSignedIn }, async (request, reply) => shell(request, reply, 'plan', 'Plan', await planBody(request, reply, athleteOf(request))));

  app.post('/app/plan/import', { onRequest: requireSignedIn, preHandler: requireCsrf }, async (request, reply) => {
    const athlete = athleteOf(request);
    let text: string | undefined;
    let filename = 'plan.yaml';
    let startDate: string | undefined;
    for await (const part of readParts(request)) {
      if (part.type === 'file') {
        filename = part.filename;
        text = (await planFileBytes(part)).toString('utf8');
      } else if (part.fieldname === 'startDate' && typeof part.value === 'string' && part.value !== '') startDate = part.value;
    }
    try {
      if (text === undefined || text.trim() === '') throw new PlanFormatError([{ message: 'choose a plan file (YAML or CSV)' }], { filename });
      const plan = parsePlanFile(text, filename, { ...(startDate !== undefined && { startDate }) });
      await importPlan(db, jobs, { athleteId: athlete.id, plan, source: `web:${filename}`, now: now(), today: localDateOf(now(), athlete.timezone) });
    } catch (err) {
      if (!(err instanceof PlanFormatError) && !(err instanceof Error && err.name === 'PlanFormatError')) throw err;
      return shell(request, reply, 'plan', 'Plan', await planBody(request, reply, athlete), { error: `The plan was not imported: ${err.message}`, status: 422 });
    }
    return shell(request, reply, 'plan', 'Plan', await planBody(request, reply, athlete), { notice: `Imported ${filename}.` });
  });

  app.post('/app/plan/generate', { onRequest: requireSignedIn, preHandler: requireCsrf }, async (request, reply) => {
    const athlete = athleteOf(request);
    const f = request.body as Record<string, string | undefined>;
    try {
      const options = parseGenerateArgs({ raceDate: f.raceDate, weeks: f.weeks, runsPerWeek: f.runsPerWeek, longRunDay: f.longRunDay, strengthSessions: f.strengthSessions, units: athlete.units });
      const plan = generatePlan(options);
      await importPlan(db, jobs, { athleteId: athlete.id, plan, source: 'web:generated', now: now(), today: localDateOf(now(), athlete.timezone) });
    } catch (err) {
      if (!(err instanceof GeneratePlanError)) throw err;
      return shell(request, reply, 'plan', 'Plan', await planBody(request, reply, athlete), { error: `No plan generated: ${err.message}`, status: 422 });
    }
    return shell(request, reply, 'plan', 'Plan', await planBody(request, reply, athlete), { notice: 'Generated and imported a new plan.' });
  });

  // ---- Reports ---------------------------------------------------------------------------------
  app.get('/app/reports', { onRequest: requireSignedIn }, async (request, reply) => {
    const athlete = athleteOf(request);
    const thisWeek = isoWeekOf(localDateOf(now(), athlete.timezone));
    const rows = await reportIndex(db, athlete.id);
    const base = `/athletes/${athlete.id}`;
    const body = html`<ul class="links"><li><a href="${base}/reports/${thisWeek}">This week so far (${thisWeek})</a></li><li><a href="${base}/season">Season view</a></li><li><a href="${base}/reports">All reports (printable index)</a></li></ul>
<section aria-labelledby="rh-h"><h2 id="rh-h">Past weeks</h2>${rows.length === 0 ? html`<p>No reports yet: the first one is made at your report time after a week ends.</p>` : html`<table><thead><tr><th scope="col">Week</th><th scope="col">Compliance</th><th scope="col">Summary</th></tr></thead><tbody>${rows.map(
      (r) => html`<tr><td><a href="${base}/reports/${r.isoWeek}">${r.isoWeek}</a></td><td>${r.headline.complianceBand === null ? '—' : `${r.headline.complianceBand}: ${bandWords(r.headline.complianceBand)}`}</td><td>${r.headline.summary}</td></tr>`,
    )}</tbody></table>`}</section>`;
    return shell(request, reply, 'reports', 'Reports', body);
  });

  // ---- Settings --------------------------------------------------------------------------------
  /** The Strava part of the settings: status, connect / reconnect (GET /auth/strava links the signed-in athlete), disconnect. */
  async function stravaSection(a: Athlete, csrf: string): Promise<HtmlValue> {
    const missing = missingStravaConfig(config);
    const c = await findConnection(db, a.id);
    const connect = (label: string): HtmlValue => (missing.length > 0 ? null : html`<p><a class="button" href="/auth/strava">${label}</a></p>`);
    let status: HtmlValue;
    if (c === undefined) status = html`<p data-testid="strava-status">Not connected.${missing.length > 0 ? ' Strava is not set up on this server.' : ''}</p>${connect('Connect with Strava')}`;
    else if (c.status === 'needs_reauth') status = html`<p data-testid="strava-status">Strava stopped accepting Kinetic's access${c.status_reason === null ? '' : ` (${c.status_reason})`}: connect again to keep importing.</p>${connect('Reconnect Strava')}`;
    else
      status = html`<p data-testid="strava-status">Connected (Strava athlete ${c.strava_athlete_id})${c.last_sync_at === null ? '' : `, last synced ${c.last_sync_at.toISOString().slice(0, 16).replace('T', ' ')} UTC`}.</p>`;
    const disconnect =
      c === undefined
        ? null
        : html`<form method="post" action="/app/settings/strava/disconnect" class="stack"><input type="hidden" name="_csrf" value="${csrf}"><p>Disconnecting revokes Kinetic's access on Strava and removes the activities that came from Strava (your FIT uploads stay).</p><button type="submit">Disconnect Strava</button></form>`;
    return html`<section aria-labelledby="st-h"><h2 id="st-h">Strava</h2>${status}${disconnect}</section>`;
  }

  async function settingsBody(request: FastifyRequest, reply: FastifyReply, a: Athlete): Promise<HtmlValue> {
    const csrf = csrfToken(request, reply);
    const zones = Intl.supportedValuesOf('timeZone');
    if (!zones.includes(a.timezone)) zones.unshift(a.timezone);
    const pace = a.threshold_speed_mps === null ? '' : paceText(a.threshold_speed_mps, a.units);
    const num = (v: number | null): string => (v === null ? '' : String(v));
    const pending = await pendingEmailChange(db, a.id, now());
    const pendingNote =
      pending === undefined
        ? null
        : html`<p class="notice" role="status" data-testid="pending-email">Waiting for <strong>${pending.email}</strong> to confirm: open the link we sent there before ${pending.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. Until then you sign in with ${a.email ?? 'your old address'}.</p>`;
    return html`<form method="post" action="/app/settings" class="stack settings"><input type="hidden" name="_csrf" value="${csrf}">
<label for="s-name">Name</label><input id="s-name" name="name" value="${a.name}" required>
<label for="s-email">Email (sign-in and reports; a new address must be confirmed from a link we send it)</label><input id="s-email" name="email" type="email" value="${a.email ?? ''}">${pendingNote}
<label for="s-tz">Time zone</label><select id="s-tz" name="timezone">${zones.map((z) => html`<option${z === a.timezone ? html` selected` : null}>${z}</option>`)}</select>
<label for="s-units">Units</label><select id="s-units" name="units"><option value="km"${a.units === 'km' ? html` selected` : null}>kilometres</option><option value="mi"${a.units === 'mi' ? html` selected` : null}>miles</option></select>
<label for="s-max">Maximum heart rate (bpm)</label><input id="s-max" name="maxHr" type="number" min="100" max="250" value="${num(a.max_hr)}">
<label for="s-rest">Resting heart rate (bpm)</label><input id="s-rest" name="restingHr" type="number" min="25" max="120" value="${num(a.resting_hr)}">
<label for="s-lthr">Lactate threshold heart rate (bpm)</label><input id="s-lthr" name="lthr" type="number" min="80" max="240" value="${num(a.lthr)}">
<label for="s-pace">Threshold pace (e.g. 4:10/km)</label><input id="s-pace" name="thresholdPace" value="${pace}">
<label for="s-day">Weekly report day</label><select id="s-day" name="reportDay">${WEEKDAYS.map((d, i) => html`<option value="${d}"${i + 1 === a.report_weekday ? html` selected` : null}>${d}</option>`)}</select>
<label for="s-time">Weekly report time</label><input id="s-time" name="reportTime" type="time" value="${a.report_time}">
<button type="submit">Save settings</button></form>
${analysisLine(await analysisStatus(db, a.id), a.id)}
${await stravaSection(a, csrf)}
<section aria-labelledby="ex-h"><h2 id="ex-h">Your data</h2><p><a href="/athletes/${a.id}/export?include=files">Export all my data (a zip: the data as JSON and the files you uploaded)</a></p>
<form method="post" action="/app/settings/delete" class="stack danger"><input type="hidden" name="_csrf" value="${csrf}">
<p>Deleting removes your account and every upload, activity, plan and report. It cannot be undone.</p>
<label for="confirm">Type DELETE to confirm</label><input id="confirm" name="confirm" autocomplete="off" required pattern="DELETE">
<button type="submit" class="danger">Delete my account and data</button></form></section>`;
  }

  app.get('/app/settings', { onRequest: requireSignedIn }, async (request, reply) => {
    const q = request.query as { saved?: unknown; strava?: unknown };
    const notice = q.saved === '1' ? 'Settings saved.' : q.strava === 'disconnected' ? 'Strava disconnected.' : undefined;
    return shell(request, reply, 'settings', 'Settings', await settingsBody(request, reply, athleteOf(request)), notice === undefined ? {} : { notice });
  });

  app.post('/app/settings', { onRequest: requireSignedIn, preHandler: requireCsrf }, async (request, reply) => {
    const athlete = athleteOf(request);
    const f = request.body as Record<string, string | undefined>;
    const optionalInt = (v: string | undefined): number | null => (v === undefined || v.trim() === '' ? null : Number(v));
    const patch = {
      name: f.name ?? athlete.name,
      email: f.email === undefined || f.email.trim() === '' ? null : f.email.trim(),
      timezone: f.timezone ?? athlete.timezone,
      units: f.units ?? athlete.units,
      maxHr: optionalInt(f.maxHr),
      restingHr: optionalInt(f.restingHr),
      lthr: optionalInt(f.lthr),
      thresholdPace: f.thresholdPace === undefined || f.thresholdPace.trim() === '' ? null : f.thresholdPace.trim(),
      ...(f.reportDay !== undefined && { reportDay: f.reportDay }),
      ...(f.reportTime !== undefined && f.reportTime !== '' && { reportTime: f.reportTime.slice(0, 5) }),
    };
    const res = await forward(request, { method: 'PATCH', url: `/athletes/${athlete.id}`, payload: JSON.stringify(patch), headers: { 'content-type': 'application/json' } });
    if (res.statusCode !== 200) return shell(request, reply, 'settings', 'Settings', await settingsBody(request, reply, athlete), { error: `Not saved: ${apiMessage(res)}`, status: res.statusCode >= 500 ? 502 : 400 });
    return reply.redirect('/app/settings?saved=1', 303);
  });

  app.post('/app/settings/strava/disconnect', { onRequest: requireSignedIn, preHandler: requireCsrf }, async (request, reply) => {
    const athlete = athleteOf(request);
    const res = await forward(request, { method: 'DELETE', url: `/athletes/${athlete.id}/strava` });
    if (res.statusCode !== 204) return shell(request, reply, 'settings', 'Settings', await settingsBody(request, reply, athlete), { error: `Strava was not disconnected: ${apiMessage(res)}`, status: 502 });
    return reply.redirect('/app/settings?strava=disconnected', 303);
  });

  // Any other /app address: a page saying so (not the API's JSON 404), with the way back.
  app.get('/app/*', { onRequest: requireSignedIn }, () => {
    throw new WebPageError(404, 'There is no such page in Kinetic. It may have moved: start again from the menu.');
  });

  app.post('/app/settings/delete', { onRequest: requireSignedIn, preHandler: requireCsrf }, async (request, reply) => {
    const athlete = athleteOf(request);
    const f = request.body as Record<string, string | undefined>;
    if (f.confirm !== 'DELETE') return shell(request, reply, 'settings', 'Settings', await settingsBody(request, reply, athlete), { error: 'Type DELETE to confirm: nothing was deleted.', status: 400 });
    const res = await forward(request, { method: 'DELETE', url: `/athletes/${athlete.id}` });
    if (res.statusCode !== 204) return shell(request, reply, 'settings', 'Settings', await settingsBody(request, reply, athlete), { error: `Not deleted: ${apiMessage(res)}`, status: 502 });
    if (athlete.email !== null) await deleteLoginLinksOf(db, athlete.email.toLowerCase());
    request.log.info({ athleteId: athlete.id }, 'athlete deleted from the web app');
    return reply.clearCookie(SESSION_COOKIE, { path: '/' }).redirect('/signin?deleted=1', 303);
  });

}

/**
 * Where the re-analysis a settings change asked for is: "re-analysing: 120 of 630 weeks", or up to
 * date. The page's script (static/web.js) updates it from `GET /athletes/:id/analysis-status` while
 * it runs; without the script, reloading the page does.
 */
function analysisLine(s: AnalysisStatus, athleteId: string): HtmlValue {
  const text =
    s.status === 'reanalysing'
      ? `Analysis: re-analysing with your new settings — ${s.weeksDone} of ${s.weeksTotal} weeks done.`
      : s.status === 'failed'
        ? `Analysis: the re-analysis with your new settings failed — ${s.error ?? 'no reason recorded'}. Saving your settings again starts it over.`
        : 'Analysis: up to date.';
  return html`<p class="hint" role="status" aria-live="polite" data-testid="analysis-status" data-analysis-status="${s.status}" data-url="/athletes/${athleteId}/analysis-status">${text}</p>`;
}

function activities(n: number): string {
  return n === 1 ? '1 activity' : `${n} activities`;
}

function paceText(mps: number, units: 'km' | 'mi'): string {
  const s = Math.round((units === 'mi' ? 1609.344 : 1000) / mps);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}/${units}`;
}
