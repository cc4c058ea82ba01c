/** src/core/validate.ts, records.ts and secrets.ts: the shared checks every construct uses. */
import { Validator } from '../src/core/errors';
import { checkSecretRef, secretEnv } from '../src/core/secrets';
import {
  checkCron,
  checkImage,
  checkName,
  checkQuantity,
  cronProblem,
  dnsLabelProblem,
  dnsSubdomainProblem,
  imageProblem,
  labelKeyProblem,
  labelValueProblem,
  parseQuantity,
  quantityProblem,
  suggestName,
} from '../src/core/validate';
import { duplicates, isRecord } from '../src/core/records';
import { expectIssue } from './support/errors';

describe('names', () => {
  test.each(['a', 'team-1', 'x'.repeat(63), '0abc'])('%s is a DNS-1123 label', (n) => expect(dnsLabelProblem(n)).toBeUndefined());
  test.each([
    ['', /non-empty/],
    ['Team', /DNS-1123 label/],
    ['team_1', /DNS-1123/],
    ['-a', /DNS-1123/],
    ['a-', /DNS-1123/],
    ['a.b', /DNS-1123/],
    ['x'.repeat(64), /64 characters long, the limit is 63/],
    [42, /non-empty string/],
  ])('%s is not a DNS-1123 label', (n, re) => expect(dnsLabelProblem(n)).toMatch(re));
  test('a custom limit', () => expect(dnsLabelProblem('x'.repeat(41), 40)).toMatch(/limit is 40/));
  test('subdomains', () => {
    expect(dnsSubdomainProblem('mlflow.example.com')).toBeUndefined();
    expect(dnsSubdomainProblem('Mlflow.example.com')).toMatch(/subdomain/);
    expect(dnsSubdomainProblem('a'.repeat(254))).toMatch(/limit is 253/);
    expect(dnsSubdomainProblem(undefined)).toMatch(/non-empty/);
  });
  test('checkName reports construct, field, value and a suggested name', () => {
    const issue = expectIssue(
      () => {
        const v = new Validator('K', 'k');
        checkName(v, 'name', 'My_Model');
        v.done();
      },
      { construct: 'K "k"', field: 'name', value: 'My_Model', says: /"my-model"/ },
    );
    expect(issue.problem).toMatch(/DNS-1123/);
    expectIssue(
      () => {
        const v = new Validator('K', 'k');
        checkName(v, 'name', 'a'.repeat(70), 40);
        v.done();
      },
      { construct: 'K "k"', field: 'name', value: 'a'.repeat(70), says: /70 characters long, the limit is 40/ },
    );
  });
  test('suggestName', () => {
    expect(suggestName('My Model!!')).toBe('my-model');
    expect(suggestName('___')).toBe('name');
    expect(suggestName(`${'a'.repeat(10)}-b`, 11)).toBe('a'.repeat(10));
  });
});

describe('quantities', () => {
  test.each(['500m', '2', '1.5', '4Gi', '512Mi', '1e3', '.5', 0, 3])('%s is a quantity', (q) => expect(quantityProblem(q)).toBeUndefined());
  test.each(['', '2 cores', '4GB', '-1', 'Gi', '1.2.3', -1, Number.NaN, Infinity, null])('%s is not a quantity', (q) =>
    expect(quantityProblem(q)).toBeDefined(),
  );
  test('checkQuantity names the field and an example', () => {
    expectIssue(
      () => {
        const v = new Validator('K', 'k');
        checkQuantity(v, 'resources.memory', '4GB', '2Gi');
        v.done();
      },
      { construct: 'K "k"', field: 'resources.memory', value: '4GB', says: /"2Gi"/ },
    );
  });
  test('parseQuantity', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('2Gi')).toBe(2 * 2 ** 30);
    expect(parseQuantity('1k')).toBe(1000);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity(7)).toBe(7);
    expect(() => parseQuantity('lots')).toThrow(/not a quantity: lots/);
  });
});

describe('cron', () => {
  test.each(['0 3 * * *', '*/15 * * * *', '0 0 1,15 * mon-fri', '0 6 * jan-mar 1', '0 0 * * 7', '@daily', ' 5 4 * * sun '])(
    '%s is valid',
    (c) => expect(cronProblem(c)).toBeUndefined(),
  );
  test.each([
    ['', /non-empty/],
    ['@sometimes', /not a known macro/],
    ['0 3 * *', /has 4 fields/],
    ['60 * * * *', /^minute field 60 is out of range 0-59$/],
    ['5,61 * * * *', /^minute field 5,61 has 61, out of range 0-59$/],
    ['0 0 * foo *', /^month field foo is not a number from 1 to 12 \(or jan-dec\)$/],
    ['0 24 * * *', /hour field/],
    ['0 0 0 * *', /day of month/],
    ['0 0 * 13 *', /month field/],
    ['0 0 * * 8', /day of week/],
    ['*/0 * * * *', /step of 0/],
    ['*/x * * * *', /step "x"/],
    ['5-1 * * * *', /reversed range/],
    ['1-2-3 * * * *', /bad range/],
    ['*/2/3 * * * *', /more than one/],
    [7, /non-empty/],
  ])('%s is invalid', (c, re) => expect(cronProblem(c)).toMatch(re));
  test('checkCron gives an example fix', () => {
    expectIssue(
      () => {
        const v = new Validator('K', 'k');
        checkCron(v, 'schedule', 'daily');
        v.done();
      },
      { construct: 'K "k"', field: 'schedule', value: 'daily', says: /"0 3 \* \* \*"/ },
    );
  });
});

describe('images', () => {
  test.each(['ghcr.io/mlflow/mlflow:v3.18.0-full', 'localhost:5000/a/b:1', 'a@sha256:0123'])('%s is pinned', (i) =>
    expect(imageProblem(i)).toBeUndefined(),
  );
  test.each([
    ['python', /no tag/],
    ['localhost:5000/app', /no tag/],
    ['python:latest', /latest/],
    ['a b:1', /spaces/],
    ['', /non-empty/],
  ])('%s is not pinned', (i, re) => expect(imageProblem(i)).toMatch(re));
  test('checkImage suggests a pinned tag', () => {
    expectIssue(
      () => {
        const v = new Validator('K', 'k');
        checkImage(v, 'image', 'python:latest');
        v.done();
      },
      { construct: 'K "k"', field: 'image', value: 'python:latest', says: /pin a version tag or digest/ },
    );
  });
});

describe('secret references', () => {
  const run = (value: unknown) => () => {
    const v = new Validator('K', 'k');
    checkSecretRef(v, 'db', value);
    v.done();
  };
  test('a reference passes', () => expect(run({ name: 'mlflow-db', key: 'uri' })).not.toThrow());
  test('a plain string is rejected as a plain-text credential and never echoed', () => {
    const issue = expectIssue(run('postgresql://u:hunter2@db/mlflow'), {
      construct: 'K "k"',
      field: 'db',
      value: '<redacted>',
      says: /plain text.*kubectl create secret/s,
    });
    expect(JSON.stringify(issue)).not.toContain('hunter2');
    let msg = '';
    try {
      run('postgresql://u:hunter2@db/mlflow')();
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).not.toContain('hunter2');
  });
  test('a non-object is rejected', () => {
    expectIssue(run(42), { construct: 'K "k"', field: 'db', value: 42, says: /Secret reference/ });
  });
  test('a bad name or key is rejected', () => {
    expectIssue(run({ name: 'Bad_Name', key: 'uri' }), { construct: 'K "k"', field: 'db.name', value: 'Bad_Name', says: /subdomain/ });
    expectIssue(run({ name: 'ok', key: 'a key' }), { construct: 'K "k"', field: 'db.key', value: 'a key', says: /Secret key/ });
  });
  test('secretEnv', () => {
    expect(secretEnv('X', { name: 's', key: 'k' })).toEqual({ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } });
    expect(secretEnv('X', { name: 's', key: 'k' }, true).valueFrom.secretKeyRef).toEqual({ name: 's', key: 'k', optional: true });
  });
});

test('duplicates and isRecord', () => {
  expect(duplicates(['a', 'b', 'a', 'c', 'b', 'a'])).toEqual(['a', 'b']);
  expect(duplicates([])).toEqual([]);
  expect(isRecord({})).toBe(true);
  expect(isRecord([])).toBe(false);
  expect(isRecord(null)).toBe(false);
});

describe('label keys and values', () => {
  test.each(['purpose', 'nvidia.com/gpu', 'node.kubernetes.io/instance-type', 'A_b.c'])('%s is a label key', (k) =>
    expect(labelKeyProblem(k)).toBeUndefined(),
  );
  test.each([
    ['', /non-empty/],
    ['Bad.Prefix/x', /prefix/],
    ['a/-x', /name/],
    [`x/${'a'.repeat(64)}`, /limit is 63/],
    ['sp ace', /name/],
  ])('%s is not a label key', (k, re) => expect(labelKeyProblem(k)).toMatch(re));
  test.each(['', 'ml', 'g5.xlarge', 'A-b_c'])('%s is a label value', (val) => expect(labelValueProblem(val)).toBeUndefined());
  test.each([
    ['a b', /letters/],
    ['-a', /letters/],
    ['v'.repeat(64), /limit is 63/],
    [3, /string/],
  ])('%s is not a label value', (val, re) => expect(labelValueProblem(val)).toMatch(re));
});
