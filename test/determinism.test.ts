/** Two synths of the same configuration produce byte-identical files, in process and through the real entry point. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../stacks/build';
import { listFiles, synthPlatform, synthWithEntryPoint, tempDir } from './support/manifests';

function expectSameTree(a: string, b: string): void {
  const files = listFiles(a);
  expect(files.length).toBeGreaterThan(0);
  expect(listFiles(b)).toEqual(files);
  for (const f of files) {
    const left = readFileSync(join(a, f));
    const right = readFileSync(join(b, f));
    // Compare bytes; on a mismatch show the file name rather than two huge buffers.
    expect([f, left.equals(right)]).toEqual([f, true]);
  }
}

test('two in-process synths of the default platform are byte-identical', () => {
  const a = tempDir();
  const b = tempDir();
  synthPlatform(a);
  synthPlatform(b);
  expectSameTree(a, b);
});

test('a platform with many teams, editor groups and several GPU pools synthesizes identically twice', () => {
  const teams = Array.from({ length: 12 }, (_, i) => ({
    name: `team-${String(i).padStart(2, '0')}`,
    editorGroups: ['b-group', 'a-group'],
  }));
  const pools = [
    { name: 'a100', maxGpus: 4 },
    { name: 't4', taint: { key: 'purpose', value: 'ml', effect: 'NoSchedule' as const } },
  ];
  const a = tempDir();
  const b = tempDir();
  const config = () => ({
    ...defaultConfig(),
    teams: [...defaultConfig().teams!, ...teams],
    gpuPools: [...defaultConfig().gpuPools!, ...pools],
  });
  synthPlatform(a, config());
  synthPlatform(b, config());
  expectSameTree(a, b);
});

test('two runs of the cdk8s entry point (separate processes) are byte-identical', () => {
  const a = tempDir();
  const b = tempDir();
  synthWithEntryPoint(a);
  synthWithEntryPoint(b);
  expectSameTree(a, b);
  // And the in-process builder writes the same bytes as the entry point.
  const c = tempDir();
  synthPlatform(c);
  expectSameTree(a, c);
});
