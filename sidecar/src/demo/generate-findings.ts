/**
 * The synthetic vulnerability catalogue: one basic and one enhanced finding object per vulnerability, shared by
 * every image that has it (a million images' findings would not fit in memory otherwise).
 */
import type { FixtureBasicFinding, FixtureEnhancedFinding } from './fixture.js';
import type { Random } from './prng.js';

const DAY = 86_400;

const SEVERITY_WEIGHTS: readonly [FixtureBasicFinding['severity'], number, number][] = [
  ['CRITICAL', 0.05, 9.5],
  ['HIGH', 0.2, 7.8],
  ['MEDIUM', 0.4, 5.5],
  ['LOW', 0.25, 3.1],
  ['INFORMATIONAL', 0.05, 0],
  ['UNDEFINED', 0.05, 0],
];
const PACKAGES = [
  'openssl',
  'glibc',
  'zlib',
  'curl',
  'libxml2',
  'busybox',
  'expat',
  'ncurses',
  'sqlite',
  'krb5',
  'libssh2',
  'pcre2',
  'perl',
  'python3.11',
  'tar',
];

export interface Vulnerability {
  readonly basic: FixtureBasicFinding;
  readonly enhanced: FixtureEnhancedFinding;
}

/** What one vulnerability's two findings say. */
interface Facts {
  readonly cve: string;
  readonly severity: FixtureBasicFinding['severity'];
  readonly pkg: string;
  readonly version: string;
  readonly fixed: string | undefined;
  readonly score: number | undefined;
}

export function vulnerabilityCatalogue(rnd: Random, now: number, size: number): Vulnerability[] {
  const out: Vulnerability[] = [];
  for (let i = 0; i < size; i++) {
    let roll = rnd.next();
    let entry = SEVERITY_WEIGHTS[0]!;
    for (const w of SEVERITY_WEIGHTS) {
      entry = w;
      if ((roll -= w[1]) < 0) break;
    }
    const [severity, , baseScore] = entry;
    const cve = `CVE-${2019 + (i % 7)}-${10000 + rnd.int(0, 49999)}`;
    const pkg = rnd.pick(PACKAGES);
    const version = `${rnd.int(1, 3)}.${rnd.int(0, 12)}.${rnd.int(0, 20)}`;
    const fixed = rnd.chance(0.7) ? `${version.split('.').slice(0, 2).join('.')}.${rnd.int(21, 30)}` : undefined;
    const score = baseScore ? Math.round((baseScore + rnd.next() * 0.9) * 10) / 10 : undefined;
    const observed = now - rnd.int(1, 400) * DAY;
    const facts: Facts = { cve, severity, pkg, version, fixed, score };
    // In this order: the enhanced finding draws from the stream after the basic one.
    out.push({ basic: basicFinding(facts), enhanced: enhancedFinding(rnd, now, observed, facts) });
  }
  return out;
}

function basicFinding({ cve, severity, pkg, version, score }: Facts): FixtureBasicFinding {
  return {
    name: cve,
    severity,
    description: `A flaw was found in ${pkg} that may allow ${severity === 'CRITICAL' || severity === 'HIGH' ? 'remote code execution' : 'a denial of service'}.`,
    uri: `https://security-tracker.debian.org/tracker/${cve}`,
    attributes: [
      { key: 'package_version', value: version },
      { key: 'package_name', value: pkg },
      ...(score !== undefined
        ? [
            { key: 'CVSS2_VECTOR', value: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
            { key: 'CVSS2_SCORE', value: String(Math.min(10, score)) },
          ]
        : []),
    ],
  };
}

function enhancedFinding(rnd: Random, now: number, observed: number, { cve, severity, pkg, version, fixed, score }: Facts): FixtureEnhancedFinding {
  return {
    title: `${cve} - ${pkg}`,
    severity,
    description: `${pkg} before ${fixed ?? 'an unreleased version'} is affected by ${cve}.`,
    status: 'ACTIVE',
    ...(score !== undefined ? { score: Math.min(10, score) } : {}),
    firstObservedAt: observed,
    lastObservedAt: now - DAY,
    updatedAt: now - DAY,
    fixAvailable: fixed ? 'YES' : 'NO',
    exploitAvailable: severity === 'CRITICAL' && rnd.chance(0.5) ? 'YES' : 'NO',
    packageVulnerabilityDetails: {
      vulnerabilityId: cve,
      source: 'NVD',
      sourceUrl: `https://nvd.nist.gov/vuln/detail/${cve}`,
      vendorSeverity: severity,
      referenceUrls: [`https://nvd.nist.gov/vuln/detail/${cve}`],
      ...(score !== undefined
        ? {
            cvss: [
              {
                baseScore: Math.min(10, score),
                scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
                source: 'NVD',
                version: '3.1',
              },
            ],
          }
        : {}),
      vulnerablePackages: [
        {
          name: pkg,
          version,
          ...(fixed ? { fixedInVersion: fixed } : {}),
          packageManager: 'OS',
          epoch: 0,
          release: '1',
        },
      ],
    },
    remediation: { recommendation: { text: fixed ? `Upgrade ${pkg} to ${fixed}.` : 'None Provided' } },
  };
}
