/**
 * credentialIn (core/secrets.ts): the credential formats the YAML front end refuses in any field. Found
 * by the fuzz tier (seed 16: an AWS key id in a batch model's args was written into the output); the
 * first version's unanchored patterns then hung on a megabyte-long value (seed 11, case 314, killed at
 * 30 s), which is why each format is matched per token.
 */
import fc from 'fast-check';
import { credentialIn } from '../src/core/secrets';

describe('credentialIn', () => {
  test.each([
    ['AKIAIOSFODNN7EXAMPLE', 'an AWS access key id'],
    ['--key=AKIAIOSFODNN7EXAMPLE,', 'an AWS access key id'],
    ['a.AKIAIOSFODNN7EXAMPLE.b', 'an AWS access key id'],
    ['postgresql://app:hunter2@db:5432/app', 'a URI with a plain-text password'],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'a GitHub token'],
    ['xoxb-1234567890-abcdefghij', 'a Slack token'],
    ['Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop', 'a JSON Web Token'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE', 'a PEM private key'],
  ])('finds %s', (text, what) => expect(credentialIn(text)).toBe(what));

  test.each([
    'AKIAIOSFODNN7EXAMPLEX',
    'postgresql://app:$(DB_PASSWORD)@db/app',
    'postgresql://app:${DB_PASSWORD}@db/app',
    's3a://bucket/path@v1',
    'models:/fraud@champion',
    'user@example.com',
    '{{ ds }}',
  ])('leaves %s alone', (text) => expect(credentialIn(text)).toBeUndefined());

  test('finds a key id anywhere a non-alphanumeric character ends the words around it', () => {
    const filler = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '-', '/', ':', '=', '"'), maxLength: 30 });
    fc.assert(
      fc.property(filler, filler, (before, after) => {
        expect(credentialIn(`${before} AKIAIOSFODNN7EXAMPLE ${after}`)).toBe('an AWS access key id');
      }),
    );
  });

  test('never throws, whatever text it is given', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const found = credentialIn(text);
        expect(found === undefined || typeof found === 'string').toBe(true);
      }),
    );
  });
});
