/**
 * resolveModelFormat: an online model's `format`, checked against what its backend serves, as a pure function of
 * the given value, the backend and the registry of backends. A format the backend cannot serve is refused naming
 * the backends that can; a `models:/` URI in a format whose downloader knows `s3://` only is refused at the URI.
 */
import type { Validator } from '../../core/errors';
import { prop, words, Words, WordsArg } from '../../core/words';
import type { ServingBackend } from './backend';
import { DEFAULT_MODEL_FORMAT, MODEL_FORMATS, ModelFormat } from './formats';
import { ONLINE_BACKENDS, OnlineBackend } from './spec';

/** One model URI of the model, with the field it was given in (`model`, `variants[1].model`). */
export interface GivenModelUri {
  /** The field, in the props. */
  readonly field: string;
  /** The URI (already known to be one modelplane can serve). */
  readonly uri: string;
}

/** The backends of `registry` that serve `format`, in registry order. */
export function backendsServing(format: ModelFormat, registry: Readonly<Record<OnlineBackend, ServingBackend>>): OnlineBackend[] {
  return ONLINE_BACKENDS.filter((b) => registry[b].formats[format] !== undefined);
}

/** `a`, `a or b`, `a, b or c` of the given references. */
function either(refs: readonly WordsArg[]): Words {
  return refs.reduce<Words>(
    (acc, r, i) => {
      if (i === 0) return words`${r}`;
      return i === refs.length - 1 ? words`${acc} or ${r}` : words`${acc}, ${r}`;
    },
    words``,
  );
}

/**
 * The model's format: `given`, or `mlflow` when not given. Records an issue when it is not a format, when
 * `serving` does not serve it (naming the backends of `registry` that do), and at each `models:/` URI of `uris`
 * that `serving` cannot download in that format. Without a known backend (already refused) only the value is checked.
 */
export function resolveModelFormat(
  v: Validator,
  given: unknown,
  serving: ServingBackend | undefined,
  uris: readonly GivenModelUri[],
  registry: Readonly<Record<OnlineBackend, ServingBackend>>,
): ModelFormat {
  const format = given ?? DEFAULT_MODEL_FORMAT;
  const known = MODEL_FORMATS.find((f) => f === format);
  if (!v.check(known !== undefined, 'format', format, 'is not a model format', `use one of ${MODEL_FORMATS.join(', ')}`)) {
    return DEFAULT_MODEL_FORMAT;
  }
  if (serving === undefined) return known!;
  const support = serving.formats[known!];
  if (support === undefined) {
    const others = backendsServing(known!, registry).filter((b) => b !== serving.name);
    const reason = serving.formatRefusals?.[known!] ?? `it has no server for ${known} models`;
    v.fail(
      'format',
      known,
      `is not served by the "${serving.name}" backend: ${reason}`,
      others.length > 0
        ? words`set ${either(others.map((b) => prop('backend', b)))} (${others.map((b) => `${b}: ${registry[b].formats[known!]!.server}`).join('; ')}), or serve an MLflow model (drop ${prop('format')})`
        : words`serve an MLflow model (drop ${prop('format')})`,
    );
    return known!;
  }
  if (support.modelsUriRefusal !== undefined) {
    const alternatives = backendsServing(known!, registry).filter((b) => registry[b].formats[known!]?.modelsUriRefusal === undefined);
    for (const u of uris) {
      if (!u.uri.startsWith('models:/')) continue;
      v.fail(
        u.field,
        u.uri,
        `is a models:/ URI, which ${support.modelsUriRefusal}`,
        alternatives.length > 0
          ? words`give the model version's artifact location ("s3://<bucket>/<path>"), or set ${either(alternatives.map((b) => prop('backend', b)))}, which fetches models:/ URIs through MLflow`
          : words`give the model version's artifact location ("s3://<bucket>/<path>")`,
      );
    }
  }
  return known!;
}
