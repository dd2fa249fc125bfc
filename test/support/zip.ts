/** Zips built in memory with yazl, for upload tests; and read back with yauzl, for the export's. */
import yauzl from 'yauzl';
import yazl from 'yazl';

export async function makeZip(entries: { path: string; bytes: Uint8Array; store?: boolean }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addBuffer(Buffer.from(e.bytes), e.path, { compress: e.store !== true });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Replaces an entry name inside a built zip by another of the same length (in the local header and
 * the central directory; the CRC covers the data only) — to make names yazl refuses to write, like
 * `../evil.fit`.
 */
export function renameInZip(zip: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('renameInZip needs names of the same length');
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  let at = out.indexOf(needle);
  if (at < 0) throw new Error(`${from} is not in the zip`);
  while (at >= 0) {
    out.write(to, at);
    at = out.indexOf(needle, at + 1);
  }
  return out;
}

/** Every entry of a zip held in memory, by name (checking each entry's size and CRC). */
export async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(bytes, { validateEntrySizes: true });
  const out = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(chunk);
    out.set(entry.fileName, Buffer.concat(chunks));
  }
  return out;
}
