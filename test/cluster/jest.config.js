/**
 * The cluster tier: tests against a real local kube-apiserver (etcd + kube-apiserver + controllers, no nodes)
 * with every CRD from ../shared/crds registered. Run it with `npm run test:cluster`, which wraps jest in
 * scripts/kube/with-cluster.sh (that script exports KUBECONFIG and MODELPLANE_KUBECTL).
 */
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Under CI=true a skipped test fails the run (test/support/no-skips-in-ci.js).
  reporters: ['default', '<rootDir>/test/support/no-skips-in-ci.js'],
  roots: ['<rootDir>/test/cluster'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  // One API server for the whole tier: run test files one after another.
  maxWorkers: 1,
  testTimeout: 120000,
};
