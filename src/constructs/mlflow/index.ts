/** MLflow: the tracking server and registry, its embedded stores, and the in-cluster secret bootstrap. */
export * from './mlflow-server';
export * from './embedded-postgres';
export * from './embedded-object-store';
export * from './object-store-provision';
export * from './secret-bootstrap';
