/**
 * The app type of the HTTP side and the small helpers every route module may use (api and web alike).
 * The app itself is assembled in src/server/server.ts; route modules get what they need from the app
 * they are given (`app.deps`, `app.background`, `request.principal`), never by importing the server.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BackgroundJobs } from './background.ts';
import type { ZodTypeProvider } from './zod.ts';

export type ApiApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** A route module: registers its routes on (an encapsulated scope of) the app; `app.deps` holds the dependencies. */
export type RouteModule = (app: ApiApp) => void | Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Embedded mode: runs the in-process runner's jobs after responses (see background.ts). */
    background: BackgroundJobs;
  }
}

/**
 * Sends a file (not JSON): the body goes out as it is, whatever the route's JSON response schema says,
 * with a download name (`Content-Disposition`, ASCII fallback plus the UTF-8 name).
 */
export function sendFile(reply: FastifyReply, contentType: string, filename: string, body: string | Buffer): FastifyReply {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return reply
    .type(contentType)
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`)
    .send(body);
}

/**
 * Where browsers reach this server: `KINETIC_PUBLIC_URL`, else the request's own scheme and host
 * (set it in production: the Host header is the client's). No trailing slash.
 */
export function publicBaseUrl(request: FastifyRequest): string {
  return (request.server.deps.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}
