/**
 * `--platform FILE`: a platform engineer's configuration (the same file `MODELPLANE_CONFIG` gives the
 * cdk8s app, checked against schema/platform.schema.json), built into one Platform chart. Team files
 * given with it land in the platform's team charts.
 */
import type { App } from 'cdk8s';
import type { Platform } from '../../constructs/platform/platform';
import type { ConfigIssue } from './errors';
import { buildLoadedPlatform } from './platform-build';
import { loadPlatformFile } from './platform-load';

/**
 * Builds the platform described by `file` into `app`; returns it, or the problems, each at
 * FILE:LINE:COL. The platform is returned whenever its constructs accepted it (so that team files
 * can still be checked against it), even if the file has other problems.
 */
export function buildPlatformFile(app: App, file: string): { platform?: Platform; issues: ConfigIssue[] } {
  const built = buildLoadedPlatform(app, loadPlatformFile(file));
  return { platform: built.platform, issues: built.issues.map((i) => i.located) };
}
