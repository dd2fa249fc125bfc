/**
 * Worker-thread side of DecodePool: decodes FIT bytes off the main thread, one file at a time. It says
 * `ready` once the decoder is loaded, so the pool's per-file time limit counts decoding only, not the
 * thread's start-up.
 */
import { parentPort } from 'node:worker_threads';
import { decodeFit, type DecodedFit } from './decode.ts';

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  identity: string;
}

export type DecodeReply = { ready: true } | { id: number; ok: DecodedFit } | { id: number; error: { name: string; message: string } };

function reply(message: DecodeReply): void {
  parentPort?.postMessage(message);
}

parentPort?.on('message', (req: DecodeRequest) => {
  try {
    reply({ id: req.id, ok: decodeFit(req.bytes, req.identity) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply({ id: req.id, error: { name: e.name, message: e.message } });
  }
});
reply({ ready: true });
