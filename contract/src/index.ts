/** The ECR Lens wire contract: what the sidecar, the plugin and the dashboards say to each other. */
export * from './enums.js';
export * from './ids.js';
export * from './list.js';
export * from './filters.js';
export * from './query.js';
export * from './frame.js';
export * from './fields.js';
export * from './routes.js';
export * from './target.js';
