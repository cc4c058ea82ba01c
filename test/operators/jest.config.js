/**
 * The operators tier (issue 15): the real operators, built from the Go module proxy, acting on the
 * synthesized manifests against a local kube-apiserver. Run it with `npm run test:operators`
 * (scripts/operators/run-tier.sh builds the operators, starts the control plane and RabbitMQ; the tests start the operators).
 */
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Under CI=true a skipped test fails the run (test/support/no-skips-in-ci.js).
  reporters: ['default', '<rootDir>/test/support/no-skips-in-ci.js'],
  roots: ['<rootDir>/test/operators'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  maxWorkers: 1,
  testTimeout: 900000,
  // The operators are stopped in afterAll and, whatever happens, by run-tier.sh's trap (recorded pids).
  forceExit: true,
};
