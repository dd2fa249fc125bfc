/**
 * A small, strict HTML parser for the report tests: it builds an element tree and throws on what a
 * browser would silently repair (a closing tag that does not match, an unclosed element, an
 * attribute written twice), so a test that parses a page also checks that it is well-formed.
 * Knows void elements, raw-text elements (style, script), self-closing SVG elements and entities
 * enough for assertions on text. Not a general-purpose parser.
 */

export interface Element {
  tag: string;
  attrs: Record<string, string>;
  children: Node[];
  parent: Element | null;
}
export type Node = Element | string;

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const RAW_TEXT = new Set(['style', 'script']);

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: '\u00a0' };

function decode(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (m, name: string) => {
    if (name in ENTITIES) return ENTITIES[name]!;
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    throw new Error(`unknown entity ${m}`);
  });
}

export class HtmlError extends Error {
  override name = 'HtmlError';
}

export function parseHtml(html: string): Element {
  const root: Element = { tag: '#root', attrs: {}, children: [], parent: null };
  let current = root;
  let i = 0;
  const at = (): string => `at offset ${i} (…${html.slice(Math.max(0, i - 40), i + 40).replaceAll('\n', '⏎')}…)`;
  while (i < html.length) {
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i);
      if (end < 0) throw new HtmlError(`unclosed comment ${at()}`);
      i = end + 3;
    } else if (html.startsWith('<!', i)) {
      const end = html.indexOf('>', i);
      i = end + 1;
    } else if (html.startsWith('</', i)) {
      const m = /^<\/([a-zA-Z][\w:-]*)\s*>/.exec(html.slice(i));
      if (m === null) throw new HtmlError(`malformed closing tag ${at()}`);
      const tag = m[1]!;
      if (current.tag !== tag) throw new HtmlError(`</${tag}> closes <${current.tag}> ${at()}`);
      current = current.parent!;
      i += m[0].length;
    } else if (html[i] === '<' && /[a-zA-Z]/.test(html[i + 1] ?? '')) {
      const m = /^<([a-zA-Z][\w:-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/.exec(html.slice(i));
      if (m === null) throw new HtmlError(`malformed tag ${at()}`);
      const tag = m[1]!;
      const attrs: Record<string, string> = {};
      for (const a of m[2]!.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
        const name = a[1]!;
        if (name in attrs) throw new HtmlError(`attribute ${name} twice on <${tag}> ${at()}`);
        attrs[name] = decode(a[2] ?? a[3] ?? a[4] ?? '');
      }
      const el: Element = { tag, attrs, children: [], parent: current };
      current.children.push(el);
      i += m[0].length;
      if (m[3] === '/' || VOID.has(tag)) continue;
      if (RAW_TEXT.has(tag)) {
        const end = html.indexOf(`</${tag}>`, i);
        if (end < 0) throw new HtmlError(`unclosed <${tag}> ${at()}`);
        el.children.push(html.slice(i, end));
        i = end + tag.length + 3;
        continue;
      }
      current = el;
    } else {
      const next = html.indexOf('<', i + 1);
      const end = next < 0 ? html.length : next;
      const text = html.slice(i, end);
      if (text.includes('<')) throw new HtmlError(`stray "<" ${at()}`);
      current.children.push(decode(text));
      i = end;
    }
  }
  if (current !== root) throw new HtmlError(`<${current.tag}> is never closed`);
  return root;
}

export function isElement(n: Node): n is Element {
  return typeof n !== 'string';
}

/** Every element under `root` (depth first, document order) that matches. */
export function findAll(root: Element, match: (e: Element) => boolean): Element[] {
  const out: Element[] = [];
  const walk = (e: Element): void => {
    for (const c of e.children) {
      if (!isElement(c)) continue;
      if (match(c)) out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

export const byTag = (tag: string) => (e: Element): boolean => e.tag === tag;

export function find(root: Element, match: (e: Element) => boolean): Element {
  const found = findAll(root, match)[0];
  if (found === undefined) throw new Error('no element matches');
  return found;
}

/** The element's text, whitespace collapsed, without elements marked aria-hidden. */
export function text(e: Element, opts: { skipHidden?: boolean } = {}): string {
  const parts: string[] = [];
  const walk = (n: Element): void => {
    if (opts.skipHidden === true && n.attrs['aria-hidden'] === 'true') return;
    if (RAW_TEXT.has(n.tag)) return;
    for (const c of n.children) {
      if (isElement(c)) walk(c);
      else parts.push(c);
    }
  };
  walk(e);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

export function ancestors(e: Element): Element[] {
  const out: Element[] = [];
  for (let p = e.parent; p !== null; p = p.parent) out.push(p);
  return out;
}
