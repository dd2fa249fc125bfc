import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../test/support/fixtures.ts';
import { DecodePool } from './decode-pool.ts';
import { decodeFit } from './decode.ts';
import { FitDecodeError } from './errors.ts';

describe('DecodePool (decoding on a worker thread)', () => {
  const pool = new DecodePool();
  afterAll(() => pool.close());

  it('gives exactly what decodeFit gives in this thread, dates included', async () => {
    for (const name of ['run-garmin-fr110-hr.fit', 'strength-garmin-fr965-27sets.fit', 'edge-compressed-timestamps-fr70-run.fit']) {
      const bytes = fixture(name);
      const [inWorker, here] = await Promise.all([pool.decode(bytes, 'id'), Promise.resolve(decodeFit(bytes, 'id'))]);
      expect(inWorker).toEqual(here);
      expect(inWorker.activities[0]!.startTime).toBeInstanceOf(Date);
    }
  });

  it('rejects with the same FitDecodeError', async () => {
    await expect(pool.decode(fixture('corrupt-bad-file-crc.fit'), 'id')).rejects.toThrow(FitDecodeError);
    await expect(pool.decode(fixture('corrupt-truncated-eof.fit'), 'id')).rejects.toThrow('truncated at byte 768');
  });
});
