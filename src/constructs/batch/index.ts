/** Batch: SparkBatchModel, Cascade, the team's DAG files, and the Airflow and Argo compilers behind them. */
export * from './spark-batch-model';
export * from './cascade';
export * from './team-dags';
export * from './spark';
export * from './airflow/dag';
export * from './argo/compile';
export * from './mermaid';
