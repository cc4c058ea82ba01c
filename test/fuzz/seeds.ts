/**
 * The fuzz tier's seed inputs: every example file (team files and platform files) and every YAML case of
 * the bad-input corpus, each with the way the CLI is given it (`-f` or `--platform`) and the other files
 * its example is synthesized with. A mutated case replaces exactly the seed's own file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');

/** One seed file. */
export interface Seed {
  /** Short name, e.g. `bank-cascades/modelplane.yaml`. */
  readonly name: string;
  /** Its path relative to the repository root. */
  readonly path: string;
  /** Its text. */
  readonly text: string;
  /** How the CLI is given it. */
  readonly role: 'team' | 'platform';
  /** The other arguments its example is synthesized with (absolute paths). */
  readonly others: readonly string[];
  /** Whether the unmutated file is valid (examples) or refused (corpus). */
  readonly valid: boolean;
  /** How often it is drawn, relative to the others (large files cost more per case). */
  readonly weight: number;
}

const ex = (p: string) => join(ROOT, 'examples', p);

/** Every seed, in a fixed order. */
export function loadSeeds(): Seed[] {
  const tw = (p: string) => ex(`team-workspaces/${p}`);
  const examples: Array<Omit<Seed, 'text' | 'path'> & { file: string }> = [
    // 100 batch models: an accepted case costs ~1 s in process, so it is drawn less often.
    { name: 'bank-cascades/modelplane.yaml', file: ex('bank-cascades/modelplane.yaml'), role: 'team', others: [], valid: true, weight: 6 },
    {
      name: 'translation-gpu/modelplane.yaml',
      file: ex('translation-gpu/modelplane.yaml'),
      role: 'team',
      others: [],
      valid: true,
      weight: 16,
    },
    {
      name: 'team-workspaces/b2b-scoring.yaml',
      file: tw('b2b-scoring.yaml'),
      role: 'team',
      others: ['--platform', tw('platform.yaml'), '-f', tw('geo-analytics.yaml')],
      valid: true,
      weight: 13,
    },
    {
      name: 'team-workspaces/geo-analytics.yaml',
      file: tw('geo-analytics.yaml'),
      role: 'team',
      others: ['--platform', tw('platform.yaml'), '-f', tw('b2b-scoring.yaml')],
      valid: true,
      weight: 11,
    },
    {
      name: 'team-workspaces/platform.yaml',
      file: tw('platform.yaml'),
      role: 'platform',
      others: ['-f', tw('b2b-scoring.yaml'), '-f', tw('geo-analytics.yaml')],
      valid: true,
      weight: 12,
    },
    { name: 'small-team/platform.yaml', file: ex('small-team/platform.yaml'), role: 'platform', others: [], valid: true, weight: 12 },
  ];
  const seeds: Seed[] = examples.map(({ file, ...s }) => ({ ...s, path: relative(ROOT, file), text: readFileSync(file, 'utf8') }));
  const corpusDir = join(ROOT, 'test', 'corpus', 'yaml');
  const corpus = existsSync(corpusDir)
    ? readdirSync(corpusDir)
        .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
        .sort()
    : [];
  // The corpus shares 30% of the draws: its files are refused by design, mutations reach the refusal paths.
  for (const f of corpus) {
    const file = join(corpusDir, f);
    const text = readFileSync(file, 'utf8');
    const platform = /^# as: platform$/m.test(text);
    const args = [...text.matchAll(/^# args: (.*)$/gm)].flatMap((m) =>
      m[1]!
        .trim()
        .split(/\s+/)
        .map((a) => (a.startsWith('-') ? a : join(corpusDir, a))),
    );
    seeds.push({
      name: `corpus/${f}`,
      path: relative(ROOT, file),
      text,
      role: platform ? 'platform' : 'team',
      others: args,
      valid: false,
      weight: 30 / Math.max(1, corpus.length),
    });
  }
  return seeds;
}
