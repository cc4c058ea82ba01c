/**
 * The demo team's example models, synthesized with the platform by the README's main command. At their
 * maximum replicas they fit the team's quota of stacks/build.ts (32 CPUs, 4 GPUs), which its chart checks at synth.
 * Each part of the product adds its examples in its own file and one call here.
 */
import type { Platform } from '../../src/constructs/platform/platform';
import { addDemoBatch } from './batch';
import { addDemoOnline } from './online';

/** Adds every example model to the `demo` team of `platform`. */
export function addDemoModels(platform: Platform): void {
  void platform.models('demo');
  addDemoOnline(platform);
  addDemoBatch(platform.models('demo'));
}
