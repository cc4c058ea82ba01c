/** Batch: SparkBatchModel, Cascade, the team's DAG files, and the Airflow and Argo compilers behind them. */
export * from './stages';
export * from './contracts';
export * from './resolve-model';
export * from './resolve-training';
export * from './spark-batch-model';
export * from './resolve-cascade';
export * from './cascade';
export * from './team-dags';
export * from './spark';
export * from './airflow/dag';
export * from './airflow/training-spec';
export * from './argo/compile';
export * from './mermaid';
