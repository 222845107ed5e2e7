/** ECR's scan findings (DescribeImageScanFindings, basic and enhanced) as the model's findings. */
import type { EnhancedImageScanFinding, ImageScanFinding } from '@aws-sdk/client-ecr';
import type { Finding, Severity } from '../snapshot/model.js';
import { SEVERITIES } from '../snapshot/model.js';

/** A severity as ECR spells it, in the model's terms; anything else (e.g. UNTRIAGED) is UNDEFINED. */
export function normalizeSeverity(value: string | undefined): Severity {
  const upper = (value ?? '').toUpperCase();
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : 'UNDEFINED';
}

export function basicFinding(f: ImageScanFinding): Finding {
  const attr = (key: string): string | undefined => f.attributes?.find((a) => a.key === key)?.value;
  const score = Number(attr('CVSS3_SCORE') ?? attr('CVSS2_SCORE'));
  const packageName = attr('package_name');
  const packageVersion = attr('package_version');
  return {
    name: f.name ?? '(unnamed)',
    severity: normalizeSeverity(f.severity),
    ...(f.description ? { description: f.description } : {}),
    ...(f.uri ? { uri: f.uri } : {}),
    ...(packageName ? { packageName } : {}),
    ...(packageVersion ? { packageVersion } : {}),
    ...(Number.isFinite(score) ? { score } : {}),
    source: 'basic',
  };
}

export function enhancedFinding(f: EnhancedImageScanFinding): Finding {
  const details = f.packageVulnerabilityDetails;
  const pkg = details?.vulnerablePackages?.[0];
  const uri = details?.sourceUrl ?? details?.referenceUrls?.[0] ?? f.remediation?.recommendation?.url;
  return {
    name: details?.vulnerabilityId ?? f.title ?? '(unnamed)',
    severity: normalizeSeverity(f.severity),
    ...(f.description ? { description: f.description } : {}),
    ...(uri ? { uri } : {}),
    ...(pkg?.name ? { packageName: pkg.name } : {}),
    ...(pkg?.version ? { packageVersion: pkg.version } : {}),
    ...(pkg?.fixedInVersion ? { fixedInVersion: pkg.fixedInVersion } : {}),
    ...(typeof f.score === 'number' ? { score: f.score } : {}),
    ...(f.status ? { status: f.status } : {}),
    source: 'enhanced',
  };
}
