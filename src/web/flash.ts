/**
 * A message for the next page this browser opens (after a redirect): a signed cookie that lives a
 * minute, so the message is never taken from the URL (a link cannot put words in Kinetic's mouth).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieOptions, signedCookie } from '../http/session.ts';

const FLASH_COOKIE = 'kinetic_flash';

/** Sets the message the next page shows (see `takeFlash`). */
export function setFlash(request: FastifyRequest, reply: FastifyReply, message: string): void {
  reply.setCookie(FLASH_COOKIE, message.slice(0, 1000), cookieOptions(request, request.server.webKeys, 60));
}

/** The flash message set by the previous response, if any; it is cleared as it is read. */
export function takeFlash(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const message = signedCookie(request, FLASH_COOKIE);
  if (request.cookies[FLASH_COOKIE] !== undefined) reply.clearCookie(FLASH_COOKIE, { path: '/' });
  return message;
}
