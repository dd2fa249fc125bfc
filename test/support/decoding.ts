/** FIT decoding for tests that build job deps themselves (`JobDeps.decodePool`). */
import type { FitDecoding } from '../../src/workers/decoder.ts';

/** For deps whose jobs never parse an upload: no thread is started, and a decode fails loudly. */
export const NO_FIT_FILES: FitDecoding = {
  decode: () => Promise.reject(new Error('this test decodes no FIT file: give its job deps a decode pool (LazyDecodePool)')),
};
