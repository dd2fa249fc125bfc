/** Worker-thread side of DecodePool: decodes FIT bytes off the main thread. */
import { parentPort } from 'node:worker_threads';
import { decodeFit } from './decode.ts';

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  identity: string;
}

parentPort?.on('message', (req: DecodeRequest) => {
  try {
    parentPort?.postMessage({ id: req.id, ok: decodeFit(req.bytes, req.identity) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort?.postMessage({ id: req.id, error: { name: e.name, message: e.message } });
  }
});
