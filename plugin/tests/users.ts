/** The Viewer the `viewer-auth` project creates and logs in (playwright.config.ts): no side effects, so the config can import it. */
export const VIEWER = { user: 'ecrlens-viewer', password: 'ecrlens-viewer-password', role: 'Viewer' as const };
