/**
 * JSON parsing that keeps Strava's 64-bit ids exact.
 *
 * Strava sends ids as JSON integers (activities ~1.6e10, laps ~5.6e10, and its own spec's examples
 * above 2^53), and `JSON.parse` turns every number into a double, which silently rounds ids above
 * 2^53. Node 20 has no reviver access to a number's source text, so the raw text is rewritten before
 * it is parsed: every integer literal that is the value of a key named `id` or ending in `_id`
 * (`id`, `upload_id`, `object_id`, `owner_id`, `subscription_id`, …) becomes a JSON string with the
 * same digits. One linear pass that understands JSON strings and escapes, so digits inside string
 * values are never touched. The schemas then read every id as a decimal string (`StravaId`), which is
 * what Kinetic keeps everywhere (text in TypeScript, `bigint` or `text` in Postgres).
 */

/** Keys whose integer values are ids: `id` and `*_id`. */
export function isIdKey(key: string): boolean {
  return key === 'id' || key.endsWith('_id');
}

/** Thrown for text that is not JSON at all (the schema errors name fields; this names the position). */
export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

/**
 * The same JSON text with integer id values quoted (`"id": 12345678987654321` → `"id": "12345678987654321"`).
 * Valid JSON stays valid; anything else is left for `JSON.parse` to reject.
 */
export function quoteIds(text: string): string {
  let out = '';
  let copiedTo = 0;
  // For each open object: the key whose value comes next (undefined while reading a key, or in arrays).
  const stack: ('object' | 'array')[] = [];
  let lastKey: string | undefined;
  let expectKey = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      if (expectKey && stack[stack.length - 1] === 'object') {
        // Key strings of Strava's replies are plain ASCII names; JSON.parse decodes any escapes.
        lastKey = JSON.parse(text.slice(start, i)) as string;
        expectKey = false;
      }
      continue;
    }
    if (c === 0x7b /* { */) {
      stack.push('object');
      expectKey = true;
      lastKey = undefined;
      i++;
      continue;
    }
    if (c === 0x5b /* [ */) {
      stack.push('array');
      lastKey = undefined;
      i++;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      lastKey = undefined;
      i++;
      continue;
    }
    if (c === 0x2c /* , */) {
      if (stack[stack.length - 1] === 'object') expectKey = true;
      lastKey = undefined;
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      i++;
      let integer = true;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) i++;
        else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) {
          integer = false;
          i++;
        } else break;
      }
      if (integer && lastKey !== undefined && isIdKey(lastKey) && stack[stack.length - 1] === 'object') {
        out += `${text.slice(copiedTo, start)}"${text.slice(start, i)}"`;
        copiedTo = i;
      }
      continue;
    }
    i++;
  }
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}

/** `JSON.parse` with integer ids kept exact as decimal strings (see the module comment). */
export function parseStravaJson(text: string): unknown {
  try {
    return JSON.parse(quoteIds(text)) as unknown;
  } catch (err) {
    throw new JsonSyntaxError(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
