/**
 * A small, strict XML reader for the documents fleettune reads back from
 * consoles (Apple property lists, Jamf Classic API answers): elements, text,
 * CDATA, the five predefined entities and numeric references; comments,
 * processing instructions and a DOCTYPE without an internal subset are
 * skipped. No external entities, no DTD expansion (nothing to exploit), a
 * depth and size bound; malformed input throws XmlSyntaxError with where.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside the element. */
  text: string;
}

export class XmlSyntaxError extends Error {}

const MAX_DEPTH = 64;
const MAX_CHARS = 8 * 1024 * 1024;

export function parseXml(source: string): XmlElement {
  if (source.length > MAX_CHARS) throw new XmlSyntaxError(`document larger than ${MAX_CHARS} characters`);
  let i = 0;
  const fail = (why: string): never => {
    throw new XmlSyntaxError(`${why} at offset ${i}`);
  };
  /** Moves past the next `close` (searched from `from`), or fails naming what was left open. */
  const skipPast = (close: string, from: number, what: string) => {
    const end = source.indexOf(close, from);
    if (end < 0) fail(`unterminated ${what}`);
    i = end + close.length;
  };
  const skipMisc = () => {
    for (;;) {
      while (i < source.length && /\s/.test(source[i]!)) i++;
      if (source.startsWith('<?', i)) skipPast('?>', i, 'processing instruction');
      else if (source.startsWith('<!--', i)) skipPast('-->', i + 4, 'comment');
      else if (source.startsWith('<!DOCTYPE', i)) {
        const end = source.indexOf('>', i);
        if (end < 0) fail('unterminated DOCTYPE');
        if (source.slice(i, end).includes('[')) fail('DOCTYPE with an internal subset is refused');
        i = end + 1;
      } else return;
    }
  };
  const name = (): string => {
    const m = /^[A-Za-z_:][\w.:-]*/.exec(source.slice(i, i + 256));
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const element = (depth: number): XmlElement => {
    if (depth > MAX_DEPTH) fail('elements nested too deep');
    if (source[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    for (;;) {
      while (/\s/.test(source[i] ?? '')) i++;
      if (source.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (source[i] === '>') {
        i++;
        break;
      }
      const attr = name();
      while (/\s/.test(source[i] ?? '')) i++;
      if (source[i] !== '=') fail('expected = after attribute name');
      i++;
      while (/\s/.test(source[i] ?? '')) i++;
      const q = source[i];
      if (q !== '"' && q !== "'") fail('expected a quoted attribute value');
      const end = source.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute value');
      el.attributes[attr] = decodeEntities(source.slice(i + 1, end), fail);
      i = end + 1;
    }
    for (;;) {
      if (i >= source.length) fail(`unterminated <${el.name}>`);
      if (source.startsWith('</', i)) {
        i += 2;
        const close = name();
        if (close !== el.name) fail(`</${close}> closes <${el.name}>`);
        while (/\s/.test(source[i] ?? '')) i++;
        if (source[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      if (source.startsWith('<![CDATA[', i)) {
        const end = source.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        el.text += source.slice(i + 9, end);
        i = end + 3;
      } else if (source.startsWith('<!--', i)) skipPast('-->', i + 4, 'comment');
      else if (source.startsWith('<?', i)) skipPast('?>', i, 'processing instruction');
      else if (source[i] === '<') {
        el.children.push(element(depth + 1));
      } else {
        const end = source.indexOf('<', i);
        const raw = source.slice(i, end < 0 ? source.length : end);
        el.text += decodeEntities(raw, fail);
        i += raw.length;
      }
    }
  };
  skipMisc();
  const root = element(0);
  skipMisc();
  if (i < source.length) fail('content after the root element');
  return root;
}

function decodeEntities(raw: string, fail: (why: string) => never): string {
  return raw.replace(/&([^;&\s]{0,12});?/g, (whole, ent: string) => {
    if (!whole.endsWith(';')) fail('bare & in text');
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ent in named) return named[ent]!;
    const num = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.exec(ent);
    if (!num) fail(`unknown entity &${ent};`);
    const code = num![1]!.startsWith('x') ? parseInt(num![1]!.slice(1), 16) : parseInt(num![1]!, 10);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) fail(`invalid character reference &${ent};`);
    return String.fromCodePoint(code);
  });
}

/** The first child element named `name`, if any. */
export function xmlChild(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}
