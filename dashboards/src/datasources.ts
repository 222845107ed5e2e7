export const ECR_LENS_PLUGIN_ID = 'ecrlens-ecr-datasource';
/** The provisioned data sources' uids (provisioning/datasources/datasources.yaml). */
export const ECR_LENS_UID = 'ecr-lens';
export const PROMETHEUS_UID = 'prometheus';

/** The dashboards' data source variables: `ds` (ECR Lens) and `prometheus`, defaulting to the provisioned ones. */
export const ECR_LENS_VARIABLE = 'ds';
export const PROMETHEUS_VARIABLE = 'prometheus';

/**
 * Dashboards name their data sources through those variables, so that an imported dashboard (the plugin's
 * Dashboards tab, or a JSON import) works with whatever uids the data sources have there.
 */
export const ECR_LENS = { type: ECR_LENS_PLUGIN_ID, uid: `\${${ECR_LENS_VARIABLE}}` };
export const PROMETHEUS = { type: 'prometheus', uid: `\${${PROMETHEUS_VARIABLE}}` };
/** Alert rules cannot use variables: they name the provisioned Prometheus. */
export const PROVISIONED_PROMETHEUS = { type: 'prometheus', uid: PROMETHEUS_UID };
/** Grafana's own annotation store, where executed cleanups are posted. */
export const GRAFANA = { type: 'grafana', uid: '-- Grafana --' };

/** Tags the sidecar puts on the Grafana annotation it posts after an executed cleanup. */
export const CLEANUP_ANNOTATION_TAGS = ['ecr-lens', 'cleanup'];
