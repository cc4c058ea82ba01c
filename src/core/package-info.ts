/**
 * Where modelplane's own package is and what it says of itself: the directory holding its
 * package.json and the version there. Read at run time rather than imported, so the compiled build/
 * and the sources read the same file, and the published package needs no copy of it under build/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The fields of modelplane's package.json that the product reads. */
export interface PackageInfo {
  /** The directory holding modelplane's package.json (a checkout, or `node_modules/modelplane`). */
  readonly root: string;
  /** `name` of the package.json: always `modelplane`. */
  readonly name: string;
  /** `version` of the package.json, such as `0.1.0`. */
  readonly version: string;
}

/**
 * The nearest package.json named `modelplane` at or above `from` (this file's directory by default:
 * `src/core` in a checkout, `build/src/core` in the package).
 */
export function findPackageInfo(from: string = __dirname): PackageInfo {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (json.name === 'modelplane' && typeof json.version === 'string') return { root: dir, name: json.name, version: json.version };
    }
    if (dirname(dir) === dir) {
      throw new Error(`no package.json named "modelplane" at or above ${from}. Fix: reinstall modelplane (npm install modelplane)`);
    }
  }
}

let cached: PackageInfo | undefined;

/** modelplane's own package (read once). */
export function packageInfo(): PackageInfo {
  cached ??= findPackageInfo();
  return cached;
}
