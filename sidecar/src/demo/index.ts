/** The embedded AWS emulator (ECR, ECS, STS): the public API used by demo mode, tests and benchmarks. */
export { startEmulator, parseAuthorization } from './server.js';
export type { EmulatorOptions, RunningEmulator } from './server.js';
export {
  generateFixture,
  parseSyntheticParams,
  DEMO_PARAMS,
  LARGE_PARAMS,
  SyntheticParamsSchema,
  accountIdFor,
} from './generate.js';
export type { SyntheticParams } from './generate.js';
export { loadFixture, parseFixture, fixtureJsonSchema, FixtureSchema, MEDIA_TYPES } from './fixture.js';
export type * from './fixture.js';
export {
  Controls,
  DEFAULT_CONTROL_SETTINGS,
  DEFAULT_RATE_LIMITS,
  ECS_CATEGORIES,
  ControlSettingsSchema,
} from './controls.js';
export type { ControlSettings, RateLimit, Fault, CallCounter } from './controls.js';
export { EmulatorStore } from './store.js';
export type { RegistrySummary, IssuedCredentials } from './store.js';
export { ADMIN_PREFIX } from './admin.js';
export { emulatorEnv } from './env.js';
