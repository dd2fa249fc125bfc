/**
 * The weekly report as an email's content: a plain-text part (the terminal report) and an HTML part
 * (the web page, showing its charts through `cid:` — the sender attaches them as PNG images, since
 * most mail clients drop inline SVG), a subject with the athlete's name, the week and the headline,
 * and the links to the web page and to the email settings / unsubscribe page (`List-Unsubscribe`
 * with one-click unsubscribe, RFC 8058, as well). Pure: from the model, the links' base URL and the
 * athlete's unsubscribe token. Addressing and sending the message, and the PNGs, are the email
 * adapter's (src/email); src/services/report-delivery.ts puts the two together.
 */
import { reportCharts, type Chart } from './charts.ts';
import { dateRange, renderReportHtml } from './html.ts';
import type { ReportModel } from './model.ts';
import { renderReportText } from './text.ts';

export interface ReportEmailOptions {
  /** Base URL of the web pages (KINETIC_PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
  /** The athlete's unsubscribe token (email_preferences). */
  unsubscribeToken: string;
  /** When the report was generated (shown in the HTML footer). */
  generatedAt?: Date;
}

/** A chart of the message: the HTML shows it through `cid:`, the sender attaches it as an image. */
export interface EmailChart {
  /** The chart's id (`chart-distance`, …). */
  id: string;
  /** Content-ID of the attached image. */
  cid: string;
  svg: string;
}

/** What the report email says; the recipient, the Message-ID and the sending are the sender's. */
export interface ReportEmail {
  subject: string;
  text: string;
  html: string;
  /** The charts the HTML shows through `cid:`, in page order. */
  charts: EmailChart[];
  /** List-Unsubscribe, List-Unsubscribe-Post, Auto-Submitted. */
  headers: Record<string, string>;
}

/** Content-ID of a chart's image. */
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

export function composeReportEmail(m: ReportModel, opts: ReportEmailOptions): ReportEmail {
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
    subject: reportSubject(m),
    text,
    html,
    charts: list.map((c) => ({ id: c.id, cid: chartCid(c), svg: c.svg })),
    headers: {
      'List-Unsubscribe': `<${links.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      // Weekly reports are automatic: no out-of-office replies, please.
      'Auto-Submitted': 'auto-generated',
    },
  };
}
