/** The page shell of the web app: landmarks, skip link, navigation, one stylesheet, one small script. */
import type { FastifyReply } from 'fastify';
import { html, type HtmlValue, type SafeHtml } from './html.ts';

export type Section = 'dashboard' | 'uploads' | 'plan' | 'reports' | 'settings' | 'signin';

const NAV: { section: Section; href: string; label: string }[] = [
  { section: 'dashboard', href: '/app', label: 'This week' },
  { section: 'uploads', href: '/app/uploads', label: 'Uploads' },
  { section: 'plan', href: '/app/plan', label: 'Plan' },
  { section: 'reports', href: '/app/reports', label: 'Reports' },
  { section: 'settings', href: '/app/settings', label: 'Settings' },
];

/** Pages load only their own stylesheet and script; forms post only here; nothing embeds them. */
export const WEB_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'private, no-store',
};

export interface PageOptions {
  title: string;
  section: Section;
  /** Signed in as (name); undefined → signed-out pages (no navigation). */
  athleteName?: string;
  csrf: string;
  body: HtmlValue;
  /** A status message shown at the top (role=status). */
  notice?: string;
  /** An error message shown at the top (role=alert). */
  error?: string;
}

export function page(o: PageOptions): SafeHtml {
  const nav =
    o.athleteName === undefined
      ? null
      : html`<nav aria-label="Main"><ul>${NAV.map(
          (n) => html`<li><a href="${n.href}"${n.section === o.section ? html` aria-current="page"` : null}>${n.label}</a></li>`,
        )}</ul>
        <form method="post" action="/signout" class="signout"><input type="hidden" name="_csrf" value="${o.csrf}"><button type="submit">Sign out</button></form></nav>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${o.csrf}">
<title>${o.title} · Kinetic</title>
<link rel="stylesheet" href="/static/web.css">
<script src="/static/web.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="${o.athleteName === undefined ? '/' : '/app'}">Kinetic</a>${o.athleteName === undefined ? null : html`<span class="who">Signed in as ${o.athleteName}</span>`}${nav}</header>
<main id="main" tabindex="-1">
<h1>${o.title}</h1>
${o.notice === undefined ? null : html`<p class="notice" role="status">${o.notice}</p>`}
${o.error === undefined ? null : html`<p class="error" role="alert">${o.error}</p>`}
${o.body}
</main>
<footer><p>Kinetic — marathon training against your plan.</p></footer>
</body>
</html>
`;
}

export function sendHtml(reply: FastifyReply, markup: SafeHtml, status = 200): FastifyReply {
  return reply.status(status).headers(WEB_HEADERS).type('text/html; charset=utf-8').send(markup.value);
}
