/**
 * A jest reporter for every tier's config: under CI=true a skipped or todo test fails the run (a tier
 * whose tool is missing fails loudly in CI, it never skips silently). Elsewhere it only lists them.
 */
class NoSkipsInCi {
  constructor() {
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status === 'pending' || t.status === 'todo' || t.status === 'skipped' || t.status === 'disabled') {
          skipped.push(`${file.testFilePath}: ${t.fullName} (${t.status})`);
        }
      }
    }
    if (skipped.length === 0) return;
    const list = skipped.map((s) => `  ${s}`).join('\n');
    if (process.env.CI === 'true') {
      this.error = new Error(
        `${skipped.length} test(s) skipped under CI=true, where every tier must run in full:\n${list}\n` +
          'Fix: install what they need (bash scripts/setup.sh) or remove the skip.',
      );
      process.stderr.write(`\n${this.error.message}\n`);
    } else {
      process.stderr.write(`\n${skipped.length} test(s) skipped (CI=true fails on this):\n${list}\n`);
    }
  }

  getLastError() {
    return this.error;
  }
}

module.exports = NoSkipsInCi;
