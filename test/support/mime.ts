/**
 * Reads the raw messages an SMTP server received in a test: headers (unfolded, RFC 2047 words
 * decoded), the MIME tree with multipart boundaries, and decoded bodies (base64, quoted-printable).
 * Enough to check what a mail client would show; not a general MIME library.
 */

export interface MimePart {
  headers: Map<string, string>;
  /** `text/plain`, `multipart/alternative`, … (lower case, without parameters). */
  type: string;
  params: Record<string, string>;
  /** Decoded body (empty for multipart). */
  body: Buffer;
  parts: MimePart[];
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=(\s+(?==\?))?/g, (_m, _charset: string, enc: string, text: string) => {
    if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
    const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  });
}

function parseParams(value: string): { value: string; params: Record<string, string> } {
  const [first, ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { value: first!.trim().toLowerCase(), params };
}

function decodeBody(raw: string, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(raw.replace(/\s+/g, ''), 'base64');
    case 'quoted-printable': {
      const text = raw.replace(/=\r?\n/g, '');
      const bytes: number[] = [];
      for (let i = 0; i < text.length; i++) {
        if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
          bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
          i += 2;
        } else {
          bytes.push(text.charCodeAt(i));
        }
      }
      return Buffer.from(bytes);
    }
    default:
      return Buffer.from(raw, 'utf8');
  }
}

export function parseMime(raw: string): MimePart {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const rest = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    // The first occurrence wins (enough for the headers tests read).
    if (!headers.has(name)) headers.set(name, decodeWords(line.slice(colon + 1).trim()));
  }
  const { value: type, params } = parseParams(headers.get('content-type') ?? 'text/plain');
  if (type.startsWith('multipart/')) {
    const boundary = params.boundary;
    if (boundary === undefined) throw new Error(`${type} without a boundary`);
    const chunks = rest.split(`--${boundary}`);
    // Drop the preamble and everything after the closing delimiter.
    const parts = chunks
      .slice(1)
      .filter((c) => !c.startsWith('--'))
      .map((c) => parseMime(c.replace(/^\r?\n/, '').replace(/\r?\n$/, '')));
    return { headers, type, params, body: Buffer.alloc(0), parts };
  }
  return { headers, type, params, body: decodeBody(rest, headers.get('content-transfer-encoding') ?? '7bit'), parts: [] };
}

/** Every leaf part, depth first. */
export function leaves(part: MimePart): MimePart[] {
  return part.parts.length === 0 ? [part] : part.parts.flatMap(leaves);
}
