/**
 * Zips too large to hold in memory, built as streams with yazl: entries of zeros that are generated as
 * they are written, never held whole. A 950 MB zip of stored zeros, deflated inside another zip, is
 * a zip of under 1 MB (a nested zip bomb).
 */
import { Readable } from 'node:stream';
import yazl from 'yazl';

const CHUNK = Buffer.alloc(1 << 20);

/** `size` zero bytes, a megabyte at a time (the same zero-filled chunk, never changed). */
export function zeros(size: number): Readable {
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, CHUNK.length);
      left -= n;
      this.push(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
    },
  });
}

export interface StreamedEntry {
  path: string;
  /** The entry's content as a stream (read once). */
  stream: () => Readable;
  /** Stored (the default) or deflated. */
  compress?: boolean;
}

/** A zip as a stream of its bytes; each entry's content is read from its stream as the zip is written. */
export function zipStream(entries: StreamedEntry[]): Readable {
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addReadStreamLazy(e.path, { compress: e.compress === true }, (cb) => cb(null, e.stream()));
  zip.end();
  return zip.outputStream as Readable;
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A zip holding one zip, `innerName` (deflated: zeros shrink a thousandfold), made of `inner`. */
export function nestedZip(inner: StreamedEntry[], innerName = 'inner.zip'): Promise<Buffer> {
  return collect(zipStream([{ path: innerName, stream: () => zipStream(inner), compress: true }]));
}

/**
 * A small zip holding `inner.zip`, itself stored entries of zeros of these sizes: 950 MB of them make
 * a zip of under 1 MB (a nested zip bomb), built without ever holding more than a megabyte.
 */
export function nestedZipBomb(innerEntries: { path: string; size: number }[], innerName = 'inner.zip'): Promise<Buffer> {
  return nestedZip(
    innerEntries.map((e) => ({ path: e.path, stream: () => zeros(e.size) })),
    innerName,
  );
}
