import {
  createDataFrame,
  FieldType,
  type DataFrame,
  type DataLink,
  type FieldConfig,
  type QueryResultMetaNotice,
} from '@grafana/data';

import {
  FRAME_FIELDS,
  FRAME_LINKS,
  type FieldType as WireFieldType,
  type Frame,
  type FrameShape,
} from '@ecr-lens/contract';

const FIELD_TYPES: Record<WireFieldType, FieldType> = {
  string: FieldType.string,
  number: FieldType.number,
  time: FieldType.time,
  boolean: FieldType.boolean,
  other: FieldType.other,
};

// `:raw` because Grafana URL-encodes link variables by default, which would break "team/api" and full advisory URLs.
const ref = (field: string) => `\${__data.fields.${field}:raw}`;

export const repositoryConsoleUrl = (region: string, account: string, repository: string) =>
  `https://${region}.console.aws.amazon.com/ecr/repositories/private/${account}/${repository}?region=${region}`;

export const imageConsoleUrl = (region: string, account: string, repository: string, digest: string) =>
  `https://${region}.console.aws.amazon.com/ecr/repositories/private/${account}/${repository}/_/image/${digest}/details?region=${region}`;

/**
 * Data links per field name: the AWS console page of a repository and of an image, and a finding's advisory.
 * The contract says which columns of each frame locate the row (FRAME_LINKS); the links are templates over
 * the row's own fields, which Grafana fills in when the link is shown.
 */
export function consoleLinks(shape: FrameShape): Record<string, DataLink[]> {
  const links: Record<string, DataLink[]> = {};
  const add = (field: string, link: DataLink) => (links[field] = [...(links[field] ?? []), link]);
  const { account, region, repository, digest, advisory } = FRAME_LINKS[shape] as {
    account?: string;
    region?: string;
    repository?: string;
    digest?: string;
    advisory?: { url: string; on: string };
  };
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
  if (advisory) {
    add(advisory.on, { title: 'Open the advisory', url: ref(advisory.url), targetBlank: true });
  }
  return links;
}

function notices(frame: Frame): QueryResultMetaNotice[] {
  const out: QueryResultMetaNotice[] = (frame.meta.notices ?? []).map((n) => ({ severity: n.severity, text: n.text }));
  const rows = frame.fields[0]?.values.length ?? 0;
  const total = frame.meta.totalRows;
  if (total > rows) {
    out.push({
      severity: 'info',
      text: `Showing ${rows} of ${total} rows. Narrow the filters or raise the limit to see more.`,
    });
  }
  return out;
}

/** One sidecar frame (of the contract's `shape`) -> one Grafana data frame for the target `refId`. */
export function toDataFrame(frame: Frame, refId: string, shape: FrameShape): DataFrame {
  const links = consoleLinks(shape);
  return createDataFrame({
    refId,
    name: frame.name,
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
      custom: { totalRows: frame.meta.totalRows, snapshotVersion: frame.meta.snapshotVersion },
    },
  });
}

/** A frame of the shape's columns with no rows and one notice: an empty state, not an error. */
export function emptyFrame(shape: FrameShape, refId: string, notice: string): DataFrame {
  return createDataFrame({
    refId,
    name: shape,
    fields: FRAME_FIELDS[shape].map((name) => ({ name, type: FieldType.string, config: {}, values: [] })),
    meta: { preferredVisualisationType: 'table', notices: [{ severity: 'info', text: notice }] },
  });
}
