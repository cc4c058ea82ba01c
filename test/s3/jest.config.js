/**
 * The S3 tier: the synthesized bootstrap Job's script against a local kube-apiserver and a real versitygw
 * (built from the Go module proxy), then each team's credentials against the other's prefix. Run it with
 * `npm run test:s3` (scripts/s3/run-tier.sh starts the server and the API server and exports where they are).
 */
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Under CI=true a skipped test fails the run (test/support/no-skips-in-ci.js).
  reporters: ['default', '<rootDir>/test/support/no-skips-in-ci.js'],
  roots: ['<rootDir>/test/s3'],
  testMatch: ['**/*.test.ts'],
  testSequencer: '<rootDir>/test/s3/sequencer.js',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  maxWorkers: 1,
  testTimeout: 300000,
};
