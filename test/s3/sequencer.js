/**
 * The S3 tier's test order: isolation.test.ts first (it proves the bootstrap Job's first run on an empty store
 * and API server: every team Secret "created"), then the others by path. No dependency on jest's own
 * sequencer, whose order depends on cached timings.
 */
module.exports = class S3TierSequencer {
  sort(tests) {
    const rank = (t) => (t.path.endsWith('/isolation.test.ts') ? 0 : 1);
    return [...tests].sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  allFailedTests(tests) {
    return tests;
  }
  cacheResults() {}
};
