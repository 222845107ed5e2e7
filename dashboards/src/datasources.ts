/** Fixed data source references: provisioning/datasources/datasources.yaml gives these uids. */

export const ECR_LENS_PLUGIN_ID = 'ecrlens-ecr-datasource';
export const ECR_LENS_UID = 'ecr-lens';
export const PROMETHEUS_UID = 'prometheus';

export const ECR_LENS = { type: ECR_LENS_PLUGIN_ID, uid: ECR_LENS_UID };
export const PROMETHEUS = { type: 'prometheus', uid: PROMETHEUS_UID };
/** Grafana's own annotation store, where executed cleanups are posted. */
export const GRAFANA = { type: 'grafana', uid: '-- Grafana --' };

/** Tags the sidecar puts on the Grafana annotation it posts after an executed cleanup. */
export const CLEANUP_ANNOTATION_TAGS = ['ecr-lens', 'cleanup'];
