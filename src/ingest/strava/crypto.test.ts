import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from './crypto.ts';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

describe('SecretBox', () => {
  it('seals and opens, with a fresh IV each time and no plain text in the output', () => {
    const box = new SecretBox(SECRET);
    const a = box.seal('deadbeefd7ab44704fb2a146bd98c7a349a2b43d', 'athlete-1:access');
    const b = box.seal('deadbeefd7ab44704fb2a146bd98c7a349a2b43d', 'athlete-1:access');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain('deadbeef');
    expect(box.open(a, 'athlete-1:access')).toBe('deadbeefd7ab44704fb2a146bd98c7a349a2b43d');
  });

  it('refuses a value moved to another row or column, altered, or sealed with another key', () => {
    const box = new SecretBox(SECRET);
    const sealed = box.seal('token', 'athlete-1:access');
    expect(() => box.open(sealed, 'athlete-2:access')).toThrow(SecretBoxError);
    expect(() => box.open(sealed, 'athlete-1:refresh')).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'athlete-1:access')).toThrow(/KINETIC_SECRET changed, or the value was altered/);
    expect(() => new SecretBox(`${SECRET}-other`).open(sealed, 'athlete-1:access')).toThrow(SecretBoxError);
    expect(() => box.open('plain-token', 'athlete-1:access')).toThrow(/not a sealed value/);
  });

  it('needs a secret of at least 32 characters', () => {
    expect(() => new SecretBox('short')).toThrow(/at least 32 characters/);
  });

  it('signs and verifies state; a changed payload or mac is rejected', () => {
    const box = new SecretBox(SECRET);
    const signed = box.sign({ n: 'nonce', a: null, e: 123 });
    expect(box.verify(signed)).toEqual({ n: 'nonce', a: null, e: 123 });
    const [body, mac] = signed.split('.');
    const forged = Buffer.from(JSON.stringify({ n: 'nonce', a: 'someone-else', e: 123 })).toString('base64url');
    expect(box.verify(`${forged}.${mac}`)).toBeUndefined();
    expect(box.verify(`${body}.AAAA`)).toBeUndefined();
    expect(new SecretBox(`${SECRET}-other`).verify(signed)).toBeUndefined();
  });
});
