/**
 * The server (issue 6; docs/api.md, docs/web.md): one Fastify app with the HTTP API (src/api) and the
 * web app (src/web), built from plain dependencies, so tests build it in-process (`app.inject`, or
 * `listen` on port 0) and `kinetic serve` runs the same app.
 *
 * Routes live in `src/api/routes/*.ts` and `src/web/routes/*.ts`, one module per resource, each a
 * function of the app; `ROUTES` is the one list of them — add a module with one line there. Every
 * module gets, from here: zod schemas as the schema language (validation, typed requests,
 * serialisation, the OpenAPI document at /docs), the caller's identity (`request.principal`, see
 * src/http/auth.ts), the browser session (src/http/session.ts), and the one error handler.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import { activityRoutes } from '../api/routes/activities.ts';
import { analysisStatusRoutes } from '../api/routes/analysis-status.ts';
import { athleteRoutes } from '../api/routes/athletes.ts';
import { emailRoutes } from '../api/routes/email.ts';
import { healthRoutes } from '../api/routes/health.ts';
import { planRoutes } from '../api/routes/plans.ts';
import { queueDashboardRoutes } from '../api/routes/queue-dashboard.ts';
import { reportRoutes } from '../api/routes/reports.ts';
import { tokenRoutes } from '../api/routes/tokens.ts';
import { uploadRoutes } from '../api/routes/uploads.ts';
import { unavailableRoutes } from '../api/routes/unavailable.ts';
import { weekRoutes } from '../api/routes/weeks.ts';
import { stravaRoutes } from '../api/routes/strava.ts';
import { PublicBase, type ApiApp, type RouteModule } from '../http/app.ts';
import { registerAuth } from '../http/auth.ts';
import { BackgroundJobs } from '../http/background.ts';
import type { ApiDeps } from '../http/deps.ts';
import type { Config } from '../config.ts';
import { ApiError, refuseNulInUrl, sendError } from '../http/errors.ts';
import { registerRateLimits } from '../http/rate-limit.ts';
import { registerWebSessions } from '../http/session.ts';
import { openApiTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from '../http/zod.ts';
import { BullQueues } from '../jobs/bullmq.ts';
import { webAuthRoutes } from '../web/routes/auth.ts';
import { webEmailChangeRoutes } from '../web/routes/email-change.ts';
import { webPageRoutes } from '../web/routes/pages.ts';
import { webUploadRoutes } from '../web/routes/uploads.ts';

/** What `buildServer` returns: tests and `kinetic serve` take the app type from here. */
export type { ApiApp } from '../http/app.ts';

/** Every route module, in registration order. One line per module. */
export const ROUTES: readonly RouteModule[] = [
  healthRoutes,
  athleteRoutes,
  analysisStatusRoutes,
  tokenRoutes,
  uploadRoutes,
  planRoutes,
  activityRoutes,
  unavailableRoutes,
  weekRoutes,
  stravaRoutes,
  reportRoutes,
  emailRoutes,
  queueDashboardRoutes,
  webAuthRoutes,
  webEmailChangeRoutes,
  webPageRoutes,
  webUploadRoutes,
];

/** JSON, YAML and CSV request bodies (uploads have their own per-file limit, KINETIC_MAX_UPLOAD_BYTES). */
const BODY_LIMIT = 1024 * 1024;

/**
 * The Content-Security-Policy of every response that does not set its own: JSON and files load
 * nothing, and nothing may frame them. The HTML pages (web app, reports, email and Strava pages) send
 * their own policy, which replaces this one; /docs and /admin/queues have theirs too.
 */
const API_CSP: Record<string, string[]> = { 'default-src': ["'none'"], 'base-uri': ["'none'"], 'form-action': ["'none'"], 'frame-ancestors': ["'none'"] };

/**
 * Swagger UI at /docs: its own scripts, styles and images (the logo is a data: URL), the OpenAPI
 * document, and the one <style> element its script adds (allowed by its hash, which
 * test/browser/docs.test.ts checks: a new Swagger UI with another style fails there).
 */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Security headers of every response (@fastify/helmet; docs/security.md). */
function securityHeaders(config: Config): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    frameguard: { action: 'deny' },
    // HSTS only where people reach the server over https (KINETIC_PUBLIC_URL); not for other subdomains.
    strictTransportSecurity: config.publicUrl?.startsWith('https://') === true ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
  };
}

/** Node's HTTP server options from the configured timeouts (docs/security.md, "Limits"). */
function httpOptions(timeouts: Config['timeouts']): ServerOptions {
  const shortest = Math.min(...[timeouts.headersMs, timeouts.requestMs].filter((t) => t > 0), 30_000);
  return {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    // How often Node checks the headers and request timeouts (its default, 30 s, would let a 1 s timeout last 31 s).
    connectionsCheckingInterval: Math.max(100, Math.floor(shortest / 10)),
  };
}

/**
 * Closes the app for `kinetic serve`'s shutdown: no new connections; kept-alive connections are closed
 * as soon as they are idle; requests in flight get `graceMs` to finish, then the connections still
 * open (a body trickling in, a client that stopped reading) are closed, so a shutdown never waits on
 * one. Resolves once the app is closed (its onClose hooks included).
 */
export async function closeServer(app: ApiApp, graceMs: number): Promise<void> {
  const server = app.server;
  const idle = setInterval(() => server.closeIdleConnections(), 200);
  const force = setTimeout(() => {
    server.getConnections((_err, open) => {
      if (open > 0) app.log.warn({ connections: open, graceMs }, 'closing: connections still open after the grace period are closed');
      server.closeAllConnections();
    });
  }, graceMs);
  try {
    await app.close();
  } finally {
    clearInterval(idle);
    clearTimeout(force);
  }
}

/** Never log credentials: request headers are not logged by default, and if a line carries them they are censored. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.headers.authorization',
  'headers.authorization',
  'authorization',
  '*.authorization',
  '*.token',
  'token',
  '*.secret',
  '*.accessToken',
  '*.refreshToken',
];

/** Query parameters that carry credentials (sign-in link, CSRF token, OAuth code and state): never logged. */
const SECRET_PARAMS = ['token', '_csrf', 'code', 'state', 'access_token'];

/** A URL for the log: its credential-carrying query parameters replaced by `[redacted]`. */
function urlForLog(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const k of SECRET_PARAMS) {
    if (params.has(k)) {
      params.set(k, '[redacted]');
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${params.toString().replaceAll('%5Bredacted%5D', '[redacted]')}` : url;
}

/** Fastify's request log fields, with `urlForLog`. */
function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return { method: request.method, url: urlForLog(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort };
}

export async function buildServer(deps: ApiDeps): Promise<ApiApp> {
  const log = deps.log.child({ component: 'api' }, { redact: { paths: REDACT, censor: '[redacted]' }, serializers: { req: serializeRequest } });
  // trustProxy: X-Forwarded-For/-Proto are believed only from the proxies KINETIC_TRUST_PROXY names.
  const { timeouts } = deps.config;
  const app = Fastify<Server, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: log,
    bodyLimit: BODY_LIMIT,
    trustProxy: deps.config.trustProxy,
    // Timeouts: no connection is held for ever by a client that sends slowly or not at all.
    http: httpOptions(timeouts),
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // An address Fastify cannot decode answers like every other error (and with the same headers).
    frameworkErrors: (err, request, reply) => {
      // Fastify answers these before the hooks (helmet's included) run: the same headers, by hand.
      const csp = Object.entries(API_CSP).map(([directive, sources]) => `${directive} ${sources.join(' ')}`).join(';');
      void sendError(err, request, reply.headers({ 'x-content-type-options': 'nosniff', 'content-security-policy': csp, 'x-frame-options': 'DENY' }));
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate('deps', deps);
  // The start of every address the server hands out: KINETIC_PUBLIC_URL, else where it listens.
  const publicBase = new PublicBase(deps.config.publicUrl, deps.config.port);
  app.decorate('publicBase', publicBase);
  app.addHook('onListen', function (done) {
    publicBase.listening(this.server.address());
    if (publicBase.configured === undefined) {
      log.warn({ publicUrl: publicBase.url }, `KINETIC_PUBLIC_URL is not set: sign-in links, the Strava redirect and calendar addresses point at ${publicBase.url}; set KINETIC_PUBLIC_URL to the address people open`);
    }
    done();
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) => sendError(new ApiError(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`), request, reply));
  // First of the hooks, so that every answer carries the headers, refusals and errors included.
  await app.register(helmet, securityHeaders(deps.config));
  registerAuth(app);
  await registerWebSessions(app);
  // After the cookies are read: a refused page still has its session (the web app's error page).
  app.addHook('onRequest', refuseNulInUrl);
  await registerRateLimits(app);

  const background = new BackgroundJobs(deps.jobs, log.child({ component: 'background-jobs' }));
  app.decorate('background', background);
  if (!(deps.jobs instanceof BullQueues)) {
    // Embedded mode: what a request queued runs once its response is sent.
    app.addHook('onResponse', (_request, _reply, done) => {
      background.kick();
      done();
    });
  }
  // Graceful close: after the last in-flight request, finish the jobs still queued in this process.
  app.addHook('onClose', async () => {
    await background.finish();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kinetic API',
        version: '1.0.0',
        description:
          'Athletes, FIT uploads, training plans, activities and weekly compliance. Authenticate with `Authorization: Bearer <token>`: the admin token (KINETIC_ADMIN_TOKEN) or an athlete token. See docs/api.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: openApiTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP });

  for (const routes of ROUTES) {
    await app.register(async (scope) => {
      await routes(scope.withTypeProvider<ZodTypeProvider>());
    });
  }
  return app;
}
