/**
 * Bull Board, the queue dashboard, at /admin/queues — only with BullMQ queues (REDIS_URL set), and
 * only for the admin token. Browsers can log in with their own prompt: HTTP Basic, any user name, the
 * admin token as the password (the 401 asks for it).
 */
import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/typings/app';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullQueues } from '../../jobs/bullmq.ts';
import { QUEUE_NAMES } from '../../jobs/queues.ts';
import { requireAdmin } from '../../http/auth.ts';
import { sendError } from '../../http/errors.ts';
import type { ApiApp } from '../../http/app.ts';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The dashboard's Content-Security-Policy (replacing the API's, which loads nothing): Bull Board's own
 * scripts, its inline styles, the Google fonts its page links, images as data: URLs; never framed.
 */
const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; font-src 'self' https://fonts.gstatic.com; img-src 'self' data:; connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

export async function queueDashboardRoutes(app: ApiApp): Promise<void> {
  const { jobs } = app.deps;
  if (!(jobs instanceof BullQueues)) return;
  const board = new FastifyAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  // @bull-board/fastify carries its own copy of @bull-board/api (a patch version apart): the same
  // adapter interface, declared twice, so the types do not line up although the objects do.
  createBullBoard({ queues: QUEUE_NAMES.map((name) => new BullMQAdapter(jobs.queue(name))), serverAdapter: board as unknown as IServerAdapter });
  // Every route of this scope (the board's pages, assets and API) needs the admin token. The refusal is
  // sent here: Bull Board's plugin installs its own error handler, which would reshape a thrown error.
  app.addHook('onRequest', async (request, reply) => {
    try {
      await requireAdmin(request);
    } catch (err) {
      return sendError(err, request, reply);
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.header('content-security-policy', DASHBOARD_CSP);
    return payload;
  });
  await app.register(board.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
}
