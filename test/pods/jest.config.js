/**
 * The pods tier: every Deployment, StatefulSet, Job, CronJob and DaemonSet of dist/ and the examples
 * gets its Pods created by the real workload controllers and admitted by the API server (Pod Security,
 * ServiceAccount, LimitRanger, ResourceQuota). Run it with `npm run test:pods`, which wraps jest in
 * scripts/kube/with-cluster.sh on a control plane of its own with MODELPLANE_KUBE_WORKLOAD_CONTROLLERS=1.
 */
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Under CI=true a skipped test fails the run (test/support/no-skips-in-ci.js).
  reporters: ['default', '<rootDir>/test/support/no-skips-in-ci.js'],
  roots: ['<rootDir>/test/pods'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  maxWorkers: 1,
  testTimeout: 180000,
};
