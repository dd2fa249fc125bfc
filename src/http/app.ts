/**
 * The app type of the HTTP side and the small helpers every route module may use (api and web alike).
 * The app itself is assembled in src/server/server.ts; route modules get what they need from the app
 * they are given (`app.deps`, `app.background`, `request.principal`), never by importing the server.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import type { BackgroundJobs } from './background.ts';
import type { ZodTypeProvider } from './zod.ts';

export type ApiApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** A route module: registers its routes on (an encapsulated scope of) the app; `app.deps` holds the dependencies. */
export type RouteModule = (app: ApiApp) => void | Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Embedded mode: runs the in-process runner's jobs after responses (see background.ts). */
    background: BackgroundJobs;
    /** Where people reach this server: the start of every address Kinetic hands out (see PublicBase). */
    publicBase: PublicBase;
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
 * Where people reach this server, the start of every address Kinetic hands out (sign-in and
 * email-change links, the Strava `redirect_uri`, calendar feeds). Never built from a request: the
 * Host and X-Forwarded-* headers are the client's to choose.
 *
 * `KINETIC_PUBLIC_URL` when it is set. Otherwise the address the server listens on, learnt once when
 * it starts listening (`listening`, from the server's onListen hook): `http://127.0.0.1:PORT` when it
 * listens on every interface (0.0.0.0, ::), else the address it listens on. Before it listens (a test
 * app answering `inject`), `http://127.0.0.1:<PORT or 3000>`, as `kinetic athlete signin-link` uses.
 */
export class PublicBase {
  private current: string;

  constructor(readonly configured: string | undefined, port: number | undefined) {
    this.current = configured?.replace(/\/+$/, '') ?? `http://127.0.0.1:${port ?? 3000}`;
  }

  /** No trailing slash. */
  get url(): string {
    return this.current;
  }

  /** The server listens at `address`: without KINETIC_PUBLIC_URL, addresses point there from now on. */
  listening(address: AddressInfo | string | null): void {
    if (this.configured !== undefined || address === null || typeof address === 'string') return;
    const wildcard = address.address === '0.0.0.0' || address.address === '::';
    const host = wildcard ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.current = `http://${host}:${address.port}`;
  }
}
