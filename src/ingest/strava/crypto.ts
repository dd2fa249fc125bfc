/**
 * Secrets at rest and signed OAuth state, from one key: `KINETIC_SECRET` (at least 32 characters).
 *
 * - Tokens: AES-256-GCM with a key derived by HKDF-SHA256 (`info` "kinetic strava tokens v1"), a fresh
 *   96-bit IV per value, and the athlete id and column as additional authenticated data, so a
 *   ciphertext copied to another row or column does not open. Stored as
 *   `v1.<iv>.<ciphertext>.<tag>` (base64url).
 * - OAuth `state`: the payload (JSON, base64url) and an HMAC-SHA256 of it with a second derived key.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

function derive(secret: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('kinetic', 'utf8'), Buffer.from(info, 'utf8'), 32));
}

export class SecretBox {
  private readonly key: Buffer;
  private readonly macKey: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new SecretBoxError('KINETIC_SECRET must be at least 32 characters');
    this.key = derive(secret, 'kinetic strava tokens v1');
    this.macKey = derive(secret, 'kinetic strava oauth state v1');
  }

  /** Encrypts `plaintext`, bound to `context` (e.g. `<athleteId>:access`). */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** Decrypts what `seal` wrote with the same context; `SecretBoxError` if it was altered, moved or sealed with another key. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError('not a sealed value (expected v1.<iv>.<ciphertext>.<tag>)');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(parts[1]!, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(parts[3]!, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(parts[2]!, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('cannot decrypt a stored token: KINETIC_SECRET changed, or the value was altered');
    }
  }

  /** `<payload>.<mac>`, both base64url. */
  sign(payload: unknown): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${createHmac('sha256', this.macKey).update(body).digest('base64url')}`;
  }

  /** The payload of a `sign`ed value, or undefined when it was not signed with this key. */
  verify(signed: string): unknown {
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const body = signed.slice(0, dot);
    const mac = Buffer.from(signed.slice(dot + 1), 'base64url');
    const expected = createHmac('sha256', this.macKey).update(body).digest();
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }
}
