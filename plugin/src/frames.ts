import {
  createDataFrame,
  FieldType,
  type DataFrame,
  type DataLink,
  type FieldConfig,
  type QueryResultMetaNotice,
} from '@grafana/data';

import type { SidecarFieldType, SidecarFrame } from './sidecar';
import type { QueryType } from './types';

const FIELD_TYPES: Record<SidecarFieldType, FieldType> = {
  string: FieldType.string,
  number: FieldType.number,
  time: FieldType.time,
  boolean: FieldType.boolean,
  other: FieldType.other,
};

/** Column names the sidecar may use for the parts of an ECR console address, in order of preference. */
const ACCOUNT_FIELDS = ['account', 'accountId', 'registry', 'registryId'];
const REGION_FIELDS = ['region'];
const REPOSITORY_FIELDS = ['repository', 'repositoryName'];
const DIGEST_FIELDS = ['digest', 'imageDigest'];
const FINDING_LINK_FIELDS = ['link', 'uri', 'url'];
const FINDING_NAME_FIELDS = ['name', 'cve', 'finding'];

const pick = (names: string[], candidates: string[]) => candidates.find((c) => names.includes(c));
// `:raw` because Grafana URL-encodes link variables by default, which would break "team/api" and full advisory URLs.
const ref = (field: string) => `\${__data.fields.${field}:raw}`;

export const repositoryConsoleUrl = (region: string, account: string, repository: string) =>
  `https://${region}.console.aws.amazon.com/ecr/repositories/private/${account}/${repository}?region=${region}`;

export const imageConsoleUrl = (region: string, account: string, repository: string, digest: string) =>
  `https://${region}.console.aws.amazon.com/ecr/repositories/private/${account}/${repository}/_/image/${digest}/details?region=${region}`;

/**
 * Data links per field name: the AWS console page of a repository and of an image, and a finding's advisory.
 * They are templates over the row's own fields, which Grafana fills in when the link is shown.
 */
export function consoleLinks(queryType: QueryType, fieldNames: string[]): Record<string, DataLink[]> {
  const links: Record<string, DataLink[]> = {};
  const add = (field: string, link: DataLink) => (links[field] = [...(links[field] ?? []), link]);

  const account = pick(fieldNames, ACCOUNT_FIELDS);
  const region = pick(fieldNames, REGION_FIELDS);
  // A repositories frame names the repository in `name`; elsewhere `name` is something else (a CVE, a service).
  const repository = pick(
    fieldNames,
    queryType === 'repositories' ? [...REPOSITORY_FIELDS, 'name'] : REPOSITORY_FIELDS
  );
  const digest = pick(fieldNames, DIGEST_FIELDS);

  if (account && region && repository) {
    add(repository, {
      title: 'Open repository in the AWS console',
      url: repositoryConsoleUrl(ref(region), ref(account), ref(repository)),
      targetBlank: true,
    });
    if (digest) {
      add(digest, {
        title: 'Open image in the AWS console',
        url: imageConsoleUrl(ref(region), ref(account), ref(repository), ref(digest)),
        targetBlank: true,
      });
    }
  }
  if (queryType === 'findings') {
    const link = pick(fieldNames, FINDING_LINK_FIELDS);
    const name = pick(fieldNames, FINDING_NAME_FIELDS);
    if (link) {
      add(name ?? link, { title: 'Open the advisory', url: ref(link), targetBlank: true });
    }
  }
  return links;
}

function notices(frame: SidecarFrame): QueryResultMetaNotice[] {
  const out: QueryResultMetaNotice[] = (frame.meta?.notices ?? []).map((n) => ({ severity: n.severity, text: n.text }));
  const rows = frame.fields[0]?.values.length ?? 0;
  const total = frame.meta?.totalRows;
  if (typeof total === 'number' && total > rows) {
    out.push({
      severity: 'info',
      text: `Showing ${rows} of ${total} rows. Narrow the filters or raise the limit to see more.`,
    });
  }
  return out;
}

/** One sidecar frame -> one Grafana data frame for the target `refId`. */
export function toDataFrame(frame: SidecarFrame, refId: string, queryType: QueryType): DataFrame {
  const names = frame.fields.map((f) => f.name);
  const links = consoleLinks(queryType, names);
  return createDataFrame({
    refId,
    name: frame.name ?? queryType,
    fields: frame.fields.map((f) => {
      const config: FieldConfig = {};
      if (f.config?.unit) {
        config.unit = f.config.unit;
      }
      if (f.config?.description) {
        config.description = f.config.description;
      }
      if (f.config?.displayName) {
        config.displayName = f.config.displayName;
      }
      if (typeof f.config?.decimals === 'number') {
        config.decimals = f.config.decimals;
      }
      if (links[f.name]) {
        config.links = links[f.name];
      }
      return { name: f.name, type: FIELD_TYPES[f.type] ?? FieldType.other, config, values: [...f.values] };
    }),
    meta: {
      preferredVisualisationType: 'table',
      notices: notices(frame),
      custom: { totalRows: frame.meta?.totalRows, snapshotVersion: frame.meta?.snapshotVersion },
    },
  });
}
