import { parseXml, XmlElement, XmlSyntaxError } from './small-xml';
import { xmlEscape } from './xml-escape';

/**
 * Apple XML property lists (https://developer.apple.com/documentation/bundleresources/information-property-list,
 * DTD http://www.apple.com/DTDs/PropertyList-1.0.dtd) as plain values: dict →
 * a null-prototype object (a key like `__proto__` stays a key), array, string,
 * integer/real → number, true/false, date → string, data → base64 string.
 */
export type PlistValue = string | number | boolean | PlistValue[] | PlistDict;
export type PlistDict = { [key: string]: PlistValue };

export function parsePlist(source: string): PlistValue {
  const root = parseXml(source);
  if (root.name !== 'plist') throw new XmlSyntaxError(`root element is <${root.name}>, not <plist>`);
  if (root.children.length !== 1) throw new XmlSyntaxError('<plist> must hold exactly one value');
  return value(root.children[0]!);
}

function value(el: XmlElement): PlistValue {
  switch (el.name) {
    case 'dict': {
      const out = Object.create(null) as PlistDict;
      for (let k = 0; k < el.children.length; k += 2) {
        const key = el.children[k]!;
        const val = el.children[k + 1];
        if (key.name !== 'key' || !val) throw new XmlSyntaxError('<dict> must alternate <key> and a value');
        out[key.text] = value(val);
      }
      return out;
    }
    case 'array':
      return el.children.map(value);
    case 'string':
    case 'date':
    case 'data':
      return el.text;
    case 'integer':
    case 'real': {
      const n = Number(el.text.trim());
      if (!Number.isFinite(n)) throw new XmlSyntaxError(`<${el.name}> holds ${JSON.stringify(el.text.slice(0, 40))}`);
      return n;
    }
    case 'true':
      return true;
    case 'false':
      return false;
    default:
      throw new XmlSyntaxError(`<${el.name}> is not a property list value`);
  }
}

/** Writes a value as plist XML lines, indented with tabs (deterministic: keys in insertion order). */
export function plistLines(v: PlistValue, indent: number): string[] {
  const pad = '\t'.repeat(indent);
  if (typeof v === 'string') return [`${pad}<string>${xmlEscape(v)}</string>`];
  if (typeof v === 'boolean') return [`${pad}<${v}/>`];
  if (typeof v === 'number') return [Number.isInteger(v) ? `${pad}<integer>${v}</integer>` : `${pad}<real>${v}</real>`];
  if (Array.isArray(v)) return v.length ? [`${pad}<array>`, ...v.flatMap((x) => plistLines(x, indent + 1)), `${pad}</array>`] : [`${pad}<array/>`];
  const keys = Object.keys(v);
  if (!keys.length) return [`${pad}<dict/>`];
  return [`${pad}<dict>`, ...keys.flatMap((k) => [`${pad}\t<key>${xmlEscape(k)}</key>`, ...plistLines(v[k]!, indent + 1)]), `${pad}</dict>`];
}

/** A whole plist document. */
export function plistDocument(v: PlistValue): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    ...plistLines(v, 0),
    '</plist>',
    '',
  ].join('\n');
}

export function isPlistDict(v: PlistValue | undefined): v is PlistDict {
  return v !== undefined && typeof v === 'object' && !Array.isArray(v);
}
