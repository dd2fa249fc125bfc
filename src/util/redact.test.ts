import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact.ts';

describe('redactUrl', () => {
  it('hides the password only', () => {
    expect(redactUrl('redis://user:s3cret@cache.internal:6380/2')).toBe('redis://user:***@cache.internal:6380/2');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('never echoes a URL it cannot parse (it may hold a password)', () => {
    expect(redactUrl('not a url: user:s3cret')).toBe('(unparseable url)');
  });
});
