/**
 * The bad-input corpus: shapes of a case and builders for valid inputs that a case breaks in one place.
 * A TypeScript case builds constructs into an App whose outdir the test owns; a YAML case is a file run
 * through the CLI (`modelplane synth`). Either way the test expects the message to name the construct,
 * the field and the bad value, and nothing to be written.
 */
import type { App } from 'cdk8s';
import { OnlineModel, OnlineModelProps } from '../../src/constructs/online/online-model';
import { SparkBatchModelProps } from '../../src/constructs/batch/spark-batch-model';
import { TeamModels } from '../../src/constructs/team-models';
import { platformContext } from '../../src/core/context';

/** One invalid input given in TypeScript. */
export interface TsCase {
  /** What is wrong, in a few words (the test name). */
  readonly name: string;
  /** The construct the message must name, e.g. `SparkBatchModel "churn"`. */
  readonly construct: string;
  /** The field path the message must name. */
  readonly field: string;
  /** The bad value the message must show (rendered as in messages); omit for redacted credentials. */
  readonly value?: unknown;
  /** A pattern the problem or fix must match. */
  readonly says?: RegExp;
  /** Builds the constructs into `app` (the test synthesizes it afterwards). */
  readonly build: (app: App) => void;
}

/** A team's models chart on a platform with GPU pools (one, `gpu`, by default), each of at most `maxGpus` GPUs when given. */
export function team(app: App, name = 'risk', pools: readonly string[] = ['gpu'], maxGpus?: number): TeamModels {
  const gpuPools = pools.map((p) => ({
    name: p,
    taint: { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' as const },
    nodeLabels: { 'modelplane.dev/gpu-pool': p },
    ...(maxGpus !== undefined ? { maxGpus } : {}),
  }));
  return new TeamModels(app, name, { platform: platformContext({ gpuPools }) });
}

/** A valid batch model; cases override one field. */
export function batch(over: Partial<Record<keyof SparkBatchModelProps, unknown>> = {}): SparkBatchModelProps {
  return {
    image: 'registry.example.com/risk/models:1.2.0',
    sparkVersion: '3.5.5',
    pythonEnv: { archive: 's3a://envs/risk/env-1.2.0.tar.gz', pythonVersion: '3.11' },
    score: { mainApplicationFile: 'local:///app/score.py' },
    cascade: { outputTable: 'scores.churn' },
    ...over,
  } as SparkBatchModelProps;
}

/** A valid online model; cases override one field. */
export function online(over: Partial<Record<keyof OnlineModelProps, unknown>> = {}): OnlineModelProps {
  return { model: 'models:/fraud@champion', backend: 'deployment', ...over } as OnlineModelProps;
}

/** An online model `fraud` in team `risk` (target of model tests). */
export function fraud(app: App): OnlineModel {
  return new OnlineModel(team(app), 'fraud', online());
}

/** Casts a deliberately ill-typed value (as YAML or JavaScript callers can pass it). */
export function bad<T>(value: unknown): T {
  return value as T;
}
