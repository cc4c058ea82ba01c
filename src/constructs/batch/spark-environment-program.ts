import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { standardLabels } from '../../core/labels';
import type { TeamModels } from '../team-models';
import { FETCH_ENVIRONMENT_SCRIPT, SPARK_ENVIRONMENT_CONFIGMAP, SPARK_ENVIRONMENT_SCRIPT_KEY } from './spark-environment';

/**
 * The ConfigMap `modelplane-spark-environment` in a team's namespace: the program the init containers of
 * the team's Spark pods run to fetch an `s3a://` environment archive (see spark-environment.ts). One per
 * TeamModels chart, created on first use by {@link SparkEnvironmentProgram.of} (only when a model needs it).
 */
export class SparkEnvironmentProgram extends Construct {
  /** The program of a team's chart, created on first use. */
  public static of(chart: TeamModels): SparkEnvironmentProgram {
    const existing = chart.node.tryFindChild(SparkEnvironmentProgram.ID);
    return existing instanceof SparkEnvironmentProgram ? existing : new SparkEnvironmentProgram(chart, SparkEnvironmentProgram.ID);
  }

  private static readonly ID = 'spark-environment';

  private constructor(chart: TeamModels, id: string) {
    super(chart, id);
    new k8s.KubeConfigMap(this, 'ConfigMap', {
      metadata: {
        name: SPARK_ENVIRONMENT_CONFIGMAP,
        namespace: chart.team,
        labels: standardLabels({ name: 'spark-environment', instance: chart.team, component: 'spark', team: chart.team }),
      },
      data: { [SPARK_ENVIRONMENT_SCRIPT_KEY]: FETCH_ENVIRONMENT_SCRIPT },
    });
  }
}
