/**
 * The one loader of a platform configuration ({@link PlatformProps}), shared by the three front ends:
 * the CLI's `--platform FILE`, the cdk8s app's `MODELPLANE_CONFIG` file and the Pulumi program's
 * stack config object `modelplane:platform`. It checks the structure against
 * schema/platform.schema.json (every map refuses unknown keys, with "did you mean"); the values
 * are left to the constructs, which report them better (see ./platform-build.ts).
 */
import { readFileSync } from 'node:fs';
import schemaJson from '../../../schema/platform.schema.json';
import type { PlatformProps } from '../../constructs/platform/platform';
import { isRecord } from '../../core/records';
import { ConfigIssue, sortIssues } from './errors';
import { compileSchema, filterErrors, IssueLocator, SchemaCheck, schemaIssue, SchemaIssueOptions } from './schema-issues';
import { FieldPath, formatPath, YamlSource } from './source';

/** The JSON Schema of the platform file. */
export const PLATFORM_SCHEMA: Record<string, unknown> = schemaJson as Record<string, unknown>;

/** The settings the cdk8s app and the Pulumi program accept beside the platform's props (schema `definitions.appSettings`). */
export interface PlatformAppSettings {
  /** Add the example models to the team `demo`. @default true */
  readonly examples?: boolean;
}

/** Options of the platform loaders. */
export interface PlatformLoadOptions {
  /**
   * Also accept the app settings ({@link PlatformAppSettings}) at the top level, as the cdk8s app and
   * the Pulumi program do. @default false (the CLI's `--platform` refuses them)
   */
  readonly appSettings?: boolean;
  /** How problems name the top level, e.g. "unknown field `teamz` in a platform file". @default "a platform file" */
  readonly topLevel?: string;
  /** The fix given when the file cannot be read. @default "check the path given to --platform" */
  readonly readFix?: string;
}

/** A platform configuration, loaded and checked against the schema. */
export interface LoadedPlatform {
  /** Where the configuration came from: locates every problem (file positions, or stack config paths). */
  readonly at: IssueLocator;
  /** The platform's props; undefined when the input is unusable (unreadable, not YAML, not a map). */
  readonly props?: PlatformProps;
  /** The app settings given (only with {@link PlatformLoadOptions.appSettings}). */
  readonly settings: PlatformAppSettings;
  /** The schema's problems (the props are still given, for the constructs to check the values). */
  readonly issues: readonly ConfigIssue[];
}

/** The keys of the app settings, which are not platform props. */
const APP_SETTING_KEYS = Object.keys(appSettingsSchema().properties as object);

function appSettingsSchema(): Record<string, unknown> {
  return (PLATFORM_SCHEMA.definitions as Record<string, Record<string, unknown>>).appSettings;
}

const checks = new Map<boolean, SchemaCheck>();

/** The schema check, with the app settings merged into the top level for the apps. */
function platformCheck(appSettings: boolean): SchemaCheck {
  let check = checks.get(appSettings);
  if (!check) {
    const schema = appSettings
      ? { ...PLATFORM_SCHEMA, properties: { ...(PLATFORM_SCHEMA.properties as object), ...(appSettingsSchema().properties as object) } }
      : PLATFORM_SCHEMA;
    check = compileSchema(schema);
    checks.set(appSettings, check);
  }
  return check;
}

/** What the object at `path` of a platform configuration is, for schema problems. */
function describer(topLevel: string): SchemaIssueOptions['describe'] {
  return (path) => {
    if (path.length === 0) return topLevel;
    if (path.length === 2 && path[0] === 'teams') return 'a team';
    if (path.length === 2 && path[0] === 'gpuPools') return 'a GPU pool';
    const named = path.filter((s) => typeof s === 'string');
    return `\`${String(named[named.length - 1])}\``;
  };
}

/**
 * Checks configuration data (parsed from a file, or a stack config object) against the schema.
 * `at` locates the problems; the data is used as given (no defaults are merged).
 */
export function loadPlatformData(data: unknown, at: IssueLocator, options: PlatformLoadOptions = {}): LoadedPlatform {
  const value = data ?? {};
  if (!isRecord(value)) {
    const issue = at.issue(
      [],
      'must be a map of platform settings (teams, gpuPools, mlflow, ...)',
      'see examples/small-team/platform.yaml',
    );
    return { at, settings: {}, issues: [issue] };
  }
  const wording: SchemaIssueOptions = {
    describe: describer(options.topLevel ?? 'a platform file'),
    schemaFile: 'schema/platform.schema.json',
  };
  const issues = filterErrors(platformCheck(options.appSettings ?? false)(value)).map((e) => schemaIssue(at, value, e, wording));
  const props: Record<string, unknown> = {};
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (options.appSettings && APP_SETTING_KEYS.includes(k)) settings[k] = v;
    else props[k] = v;
  }
  return { at, props: props as PlatformProps, settings: settings as PlatformAppSettings, issues: sortIssues(issues) };
}

/**
 * Loads platform configuration text (YAML, or JSON, which is YAML too; or its UTF-8 bytes, decoded strictly);
 * `file` names it in problems. Strings are one line, but in Helm values (`operators.<name>.values`).
 */
export function loadPlatformText(file: string, text: string | Uint8Array, options: PlatformLoadOptions = {}): LoadedPlatform {
  const source = YamlSource.parse(file, text, { multiline: (p) => p[0] === 'operators' && p[2] === 'values' });
  if (source.issues.length > 0) return { at: source, settings: {}, issues: source.issues };
  return loadPlatformData(source.data, source, options);
}

/** Loads a platform file from disk. */
export function loadPlatformFile(file: string, options: PlatformLoadOptions = {}): LoadedPlatform {
  let text: Uint8Array;
  try {
    text = readFileSync(file);
  } catch (e) {
    const problem = `the platform file cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
    const issue: ConfigIssue = { file, line: 0, col: 0, path: '', problem, fix: options.readFix ?? 'check the path given to --platform' };
    return { at: YamlSource.parse(file, ''), settings: {}, issues: [issue] };
  }
  return loadPlatformText(file, text, options);
}

/**
 * A locator for data without positions, such as a Pulumi stack config object: every problem is at
 * line 0 of `name` (e.g. `modelplane:platform`) with its field path.
 */
export function pathLocator(name: string): IssueLocator {
  return {
    issue: (path: FieldPath, problem: string, fix: string): ConfigIssue => ({
      file: name,
      line: 0,
      col: 0,
      path: formatPath(path),
      problem,
      fix,
    }),
  };
}
