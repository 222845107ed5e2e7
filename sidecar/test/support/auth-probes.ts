/**
 * Authentication probes, shared by the security test (test/reliability/security.test.ts) and the campaign
 * benchmark (bench/hostile.ts): the /api/* routes, and every wrong way of presenting the API token.
 */

/** Method, path and body of one request to each kind of /api/* route (an unknown one included). */
export const API_ROUTES: [string, string, string?][] = [
  ['POST', '/api/v1/query', '{"queryType":"repositories"}'],
  ['GET', '/api/v1/status'],
  ['POST', '/api/v1/refresh'],
  ['GET', '/api/v1/variables/repositories'],
  ['GET', '/api/v1/annotations?from=0&to=1900000000000'],
  ['GET', '/api/v1/cleanup/plan'],
  ['GET', '/api/v1/cleanup/plan.csv'],
  ['GET', '/api/v1/cleanup/lifecycle'],
  ['POST', '/api/v1/cleanup/execute', '{"planId":"0000000000000000000000000000000000000000000000000000000000000000"}'],
  ['GET', '/api/v1/reports/inventory.csv'],
  ['GET', '/api/v1/no-such-route'],
];

/** The probe that sends no header but puts the token in the query string (see probeTarget). */
export const TOKEN_IN_QUERY = 'the token in a query string';

export interface ProbeTokens {
  /** SIDECAR_API_TOKEN. */
  readonly api: string;
  /** SIDECAR_ADMIN_TOKEN: not valid on /api/* reads. */
  readonly admin: string;
  /** A token nobody configured. */
  readonly wrong: string;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Every wrong credential: each must get a 401 on every /api/* route. */
export const wrongCredentials = ({ api, admin, wrong }: ProbeTokens): [string, Record<string, string>][] => [
  ['no header', {}],
  ['a wrong token', bearer(wrong)],
  ['the admin token in place of the API token', bearer(admin)],
  ['a prefix of the token', bearer(api.slice(0, -1))],
  ['the token with a suffix', bearer(`${api}x`)],
  ['the token in another case', bearer(api.toUpperCase())],
  ['Basic auth', { authorization: `Basic ${Buffer.from(`user:${api}`).toString('base64')}` }],
  ['the bare token', { authorization: api }],
  ['Bearer without a token', { authorization: 'Bearer ' }],
  [TOKEN_IN_QUERY, {}],
];

/** The path a probe requests: the route's, with the token appended as ?token= for TOKEN_IN_QUERY. */
export const probeTarget = (probe: string, path: string, api: string): string =>
  probe === TOKEN_IN_QUERY ? `${path}${path.includes('?') ? '&' : '?'}token=${api}` : path;
