import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globMatch, globMatchCounted, hasGlobWildcard } from './glob-match';

/**
 * The reference: the RegExp the hub used before (one `[^/]*` per star). It is
 * exponential on hostile patterns, so it only ever sees short inputs here.
 */
function regexReference(pattern: string, subject: string, separator: '/' | null): boolean {
  if (pattern === subject) return true;
  const star = separator ? '[^/]*' : '[\\s\\S]*';
  const one = separator ? '[^/]' : '[\\s\\S]';
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? star : c === '?' ? one : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`).test(subject);
}

// Small alphabets make matches likely, so both outcomes are well covered.
const patternChar = fc.constantFrom('a', 'b', '/', '*', '?', '.');
const subjectChar = fc.constantFrom('a', 'b', '/', '*', '.');
const pattern = fc.array(patternChar, { maxLength: 10 }).map((cs) => cs.join(''));
const subject = fc.array(subjectChar, { maxLength: 12 }).map((cs) => cs.join(''));

test('agrees with the regex reference on small inputs (stars within one path level)', () => {
  fc.assert(
    fc.property(pattern, subject, (p, s) => {
      assert.equal(globMatch(p, s), regexReference(p, s, '/'), `pattern ${JSON.stringify(p)} subject ${JSON.stringify(s)}`);
    }),
    { numRuns: 20_000 },
  );
});

test('agrees with the regex reference without a separator (stars match anything)', () => {
  fc.assert(
    fc.property(pattern, subject, (p, s) => {
      assert.equal(globMatch(p, s, { separator: null }), regexReference(p, s, null));
    }),
    { numRuns: 20_000 },
  );
});

test('a subject built from the pattern always matches it', () => {
  const filler = fc.array(fc.constantFrom('a', 'g', '1', '.'), { maxLength: 4 }).map((cs) => cs.join(''));
  fc.assert(
    fc.property(pattern, fc.array(filler, { minLength: 12, maxLength: 12 }), (p, fills) => {
      let i = 0;
      const s = p.replace(/[*?]/g, (c) => (c === '?' ? 'x' : fills[i++ % fills.length]));
      assert.equal(globMatch(p, s), true, `${p} vs ${s}`);
    }),
  );
});

test('the work is bounded by (|pattern|+1) x (|subject|+1) comparisons', () => {
  fc.assert(
    fc.property(pattern, subject, (p, s) => {
      assert.ok(globMatchCounted(p, s).steps <= (p.length + 1) * (s.length + 1));
    }),
    { numRuns: 20_000 },
  );
});

test('the engine-generated wildcard that took the regex 34 s is answered in a bounded number of steps', () => {
  // The security review's pattern and subject (PathShape turns 1g1g…, 2g2g…, 3g3g… into this item).
  const p = '/opt/cache/*g*g*g*g*g*g*g*g*g*g*g*g.dat';
  const s = '/opt/cache/' + 'g'.repeat(40) + 'x.dat';
  const r = globMatchCounted(p, s);
  assert.equal(r.matched, false);
  assert.ok(r.steps <= (p.length + 1) * (s.length + 1), `${r.steps} steps`);
  // The same shape at the batch validator's longest path (4096) with 60 stars: the regex would need
  // more than C(4000, 60) attempts; here it is a few hundred thousand comparisons.
  const longPattern = '/opt/cache/' + '*g'.repeat(60) + '.dat';
  const longSubject = '/opt/cache/' + 'g'.repeat(4070) + 'x.dat';
  const long = globMatchCounted(longPattern, longSubject);
  assert.equal(long.matched, false);
  assert.ok(long.steps <= (longPattern.length + 1) * (longSubject.length + 1), `${long.steps} steps`);
  assert.equal(globMatch(longPattern, '/opt/cache/' + 'g'.repeat(4070) + '.dat'), true);
});

test('path-level semantics of exclusions', () => {
  assert.equal(globMatch('/home/*/.cache/app', '/home/*/.cache/app'), true);
  assert.equal(globMatch('/home/*/.cache/app', '/home/alice/.cache/app'), true);
  assert.equal(globMatch('/home/*/.cache/app', '/home/alice/x/.cache/app'), false);
  assert.equal(globMatch('/var/log/app-?.log', '/var/log/app-1.log'), true);
  assert.equal(globMatch('/var/log/app-?.log', '/var/log/app-12.log'), false);
  assert.equal(globMatch('a*a', 'a'), false);
  assert.equal(globMatch('a**b', 'ab'), true);
  assert.equal(globMatch('wdav*', 'wdavdaemon', { separator: null }), true);
  assert.equal(hasGlobWildcard('/a/b'), false);
  assert.equal(hasGlobWildcard('/a/*'), true);
});
