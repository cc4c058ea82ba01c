/**
 * The serving tier: real MLflow, PostgreSQL, versitygw (S3) and MLServer on loopback, configured from the
 * synthesized manifests. Run it with `npm run test:serving` (scripts/serving/run-tier.sh starts
 * PostgreSQL and versitygw and exports where they are; the test starts MLflow and MLServer itself).
 */
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Under CI=true a skipped test fails the run (test/support/no-skips-in-ci.js).
  reporters: ['default', '<rootDir>/test/support/no-skips-in-ci.js'],
  roots: ['<rootDir>/test/serving'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  maxWorkers: 1,
  testTimeout: 900000,
  // The servers are stopped in afterAll and, whatever happens, by run-tier.sh's trap (recorded pids).
  forceExit: true,
};
