/**
 * The real-engine tier: the Pulumi CLI and language host built by scripts/pulumi/install.sh run throwaway
 * programs (temp directories, local file state, passphrase secrets); the API-server tests also need the local
 * control plane. Run it with `npm run test:pulumi-real`, which wraps jest in scripts/kube/with-cluster.sh and
 * sources scripts/pulumi/env.sh.
 */
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Under CI=true a skipped test fails the run (test/support/no-skips-in-ci.js).
  reporters: ['default', '<rootDir>/test/support/no-skips-in-ci.js'],
  roots: ['<rootDir>/test/pulumi-real'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  maxWorkers: 1,
  testTimeout: 300000,
};
