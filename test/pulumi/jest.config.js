/**
 * The Pulumi tier: the real CLI, language host and Kubernetes provider built by scripts/pulumi/install.sh run the
 * program in stacks/ against the local control plane. Run it with `npm run test:pulumi`, which wraps jest in
 * scripts/kube/with-cluster.sh (every CRD registered) and sources scripts/pulumi/env.sh.
 */
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Under CI=true a skipped test fails the run (test/support/no-skips-in-ci.js).
  reporters: ['default', '<rootDir>/test/support/no-skips-in-ci.js'],
  roots: ['<rootDir>/test/pulumi'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  // The files share one API server: one at a time.
  maxWorkers: 1,
  testTimeout: 900000,
};
