/**
 * The weekly report as an email: a plain-text part (the terminal report) and an HTML part (the web
 * page, with its charts as PNG images attached inline and shown through `cid:` — most mail clients
 * drop inline SVG), a subject with the athlete's name, the week and the headline, and the links to
 * the web page and to the email settings / unsubscribe page (`List-Unsubscribe` with one-click
 * unsubscribe, RFC 8058, as well). Pure: from the model, the links' base URL and the athlete's
 * unsubscribe token.
 */
import { chartPng, reportCharts, type Chart } from './charts.ts';
import { dateRange, renderReportHtml } from './html.ts';
import type { ReportModel } from './model.ts';
import { renderReportText } from './text.ts';
import type { OutgoingMail } from '../email/smtp.ts';

export interface ReportEmailOptions {
  to: string;
  /** Base URL of the web pages (KINETIC_PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
  /** The athlete's unsubscribe token (email_preferences). */
  unsubscribeToken: string;
  /** When the report was generated (shown in the HTML footer). */
  generatedAt?: Date;
  /** A fixed Message-ID (`<…@…>`), e.g. from the delivery id. */
  messageId?: string;
  /** PNG scale of the charts; 2 is sharp on high-density screens. */
  pngScale?: number;
}

/** Content-ID of a chart's PNG. */
export const chartCid = (chart: Pick<Chart, 'id'>): string => `${chart.id}@kinetic`;

/** Header-safe: no line breaks, at most `max` characters. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function reportSubject(m: Pick<ReportModel, 'athlete' | 'week' | 'headline'>): string {
  return `${oneLine(m.athlete.name, 60)}, week ${m.week.isoWeek} (${dateRange(m.week.from, m.week.to)}): ${oneLine(m.headline.summary, 120)}`;
}

export interface ReportLinks {
  web: string;
  reports: string;
  season: string;
  /** Email settings: shows whether report emails are on, with a button to turn them off or on. */
  settings: string;
  /** One-click unsubscribe (POST), for the List-Unsubscribe header. */
  unsubscribe: string;
}

export function reportLinks(m: Pick<ReportModel, 'athlete' | 'week'>, publicUrl: string, unsubscribeToken: string): ReportLinks {
  const base = publicUrl.replace(/\/+$/, '');
  const athlete = `${base}/athletes/${encodeURIComponent(m.athlete.id)}`;
  const token = encodeURIComponent(unsubscribeToken);
  return {
    web: `${athlete}/reports/${m.week.isoWeek}`,
    reports: `${athlete}/reports`,
    season: `${athlete}/season`,
    settings: `${base}/email/preferences?token=${token}`,
    unsubscribe: `${base}/email/unsubscribe?token=${token}`,
  };
}

export function composeReportEmail(m: ReportModel, opts: ReportEmailOptions): OutgoingMail {
  const links = reportLinks(m, opts.publicUrl, opts.unsubscribeToken);
  const charts = reportCharts(m);
  const list: Chart[] = [charts.distance, charts.weekStrip, charts.intensity, charts.load];
  const html = renderReportHtml(m, {
    charts,
    image: (c) => `cid:${chartCid(c)}`,
    links: { web: links.web, reports: links.reports, season: links.season, settings: links.settings },
    ...(opts.generatedAt !== undefined && { generatedAt: opts.generatedAt }),
  });
  const text = [
    renderReportText(m).trimEnd(),
    '',
    '--',
    `Open this report in the browser: ${links.web}`,
    `All your reports: ${links.reports}`,
    `Email settings and unsubscribe: ${links.settings}`,
    '',
  ].join('\n');
  return {
    to: opts.to,
    subject: reportSubject(m),
    text,
    html,
    attachments: list.map((c) => ({ filename: `${c.id}.png`, content: chartPng(c, opts.pngScale ?? 2), contentType: 'image/png', cid: chartCid(c) })),
    headers: {
      'List-Unsubscribe': `<${links.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      // Weekly reports are automatic: no out-of-office replies, please.
      'Auto-Submitted': 'auto-generated',
    },
    ...(opts.messageId !== undefined && { messageId: opts.messageId }),
  };
}
