/** An athlete's API tokens: issue another (shown once), list, revoke. The admin or the athlete. */
import { z } from 'zod';
import { deleteApiToken, listApiTokens } from '../../db/repositories/api-tokens.ts';
import { athleteScope, requireAuth } from '../../http/auth.ts';
import { IdParams, iso, isoOrNull, Uuid } from '../dto.ts';
import { errorResponses, notFound } from '../../http/errors.ts';
import type { ApiApp } from '../../http/app.ts';
import { issueApiToken } from '../../services/api-tokens.ts';

const TokenInfo = z.object({ id: Uuid, createdAt: z.string(), lastUsedAt: z.string().nullable() });

export function tokenRoutes(app: ApiApp): void {
  const { db } = app.deps;

  app.post(
    '/athletes/:id/tokens',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['tokens'],
        summary: 'issue another API token for the athlete (the token is shown only in this response)',
        params: IdParams,
        response: { 201: TokenInfo.extend({ token: z.string() }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      const { token, info } = await issueApiToken(db, athlete.id);
      return reply.status(201).send({ id: info.id, createdAt: iso(info.createdAt), lastUsedAt: null, token });
    },
  );

  app.get(
    '/athletes/:id/tokens',
    {
      onRequest: requireAuth,
      schema: { tags: ['tokens'], summary: "the athlete's tokens (never the tokens themselves)", params: IdParams, response: { 200: z.object({ tokens: z.array(TokenInfo) }), ...errorResponses(401, 404) } },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      const tokens = await listApiTokens(db, athlete.id);
      return { tokens: tokens.map((t) => ({ id: t.id, createdAt: iso(t.createdAt), lastUsedAt: isoOrNull(t.lastUsedAt) })) };
    },
  );

  app.delete(
    '/athletes/:id/tokens/:tokenId',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['tokens'],
        summary: 'revoke a token (it stops working at once)',
        params: IdParams.extend({ tokenId: Uuid }),
        response: { 204: z.null().meta({ description: 'revoked' }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      if (!(await deleteApiToken(db, athlete.id, request.params.tokenId))) throw notFound('token');
      return reply.status(204).send(null);
    },
  );
}
