/** Unit, snapshot, policy and Pulumi-mock tests. Tiers that need real servers have their own configs. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Under CI=true a skipped test fails the run (test/support/no-skips-in-ci.js).
  reporters: ['default', '<rootDir>/test/support/no-skips-in-ci.js'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '/test/cluster/',
    '/test/airflow/',
    '/test/serving/',
    '/test/s3/',
    '/test/pulumi/',
    '/test/pods/',
    '/test/operators/',
  ],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testTimeout: 60000,
  setupFiles: ['<rootDir>/test/support/fast-check-setup.ts'],
};
