import {
  createDataFrame,
  FieldType,
  MappingType,
  ThresholdsMode,
  type DataFrame,
  type DataLink,
  type FieldConfig,
  type QueryResultMetaNotice,
  type ValueMapping,
} from '@grafana/data';

import {
  DASHBOARD_UIDS,
  FRAME_FIELDS,
  FRAME_LINKS,
  SEVERITY_COLOURS,
  TECHNICAL_FIELDS,
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
 * Data links per field name: the drill-downs (a repository's images on the Overview dashboard, an image's findings
 * on Vulnerabilities, each with the row's registry, region and repository as variables), the AWS console page of
 * a repository and of an image, and a finding's advisory.
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
    const scope = `var-registry=${ref(account)}&var-region=${ref(region)}&var-repository=${ref(repository)}`;
    add(repository, {
      title: 'Show the images of this repository',
      url: `/d/${DASHBOARD_UIDS.overview}?${scope}&\${__url_time_range}`,
    });
    add(repository, {
      title: 'Open repository in the AWS console',
      url: repositoryConsoleUrl(ref(region), ref(account), ref(repository)),
      targetBlank: true,
    });
    if (digest) {
      add(digest, {
        title: 'Show the findings of this image',
        url: `/d/${DASHBOARD_UIDS.vulnerabilities}?${scope}&var-digest=${ref(digest)}&\${__url_time_range}`,
      });
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

/** Colours of the closed vocabularies, as Grafana's palette names them. */
const COLOURS: Record<string, Record<string, string>> = {
  severity: SEVERITY_COLOURS,
  decision: { delete: 'red', keep: 'green', blocked: 'orange' },
  status: { ok: 'green', blocked: 'orange', 'no-rule': 'text' },
  scanState: {
    COMPLETE: 'green',
    ACTIVE: 'green',
    IN_PROGRESS: 'blue',
    PENDING: 'blue',
    NOT_SCANNED: 'orange',
    FAILED: 'red',
    UNSUPPORTED_IMAGE: 'text',
    FINDINGS_UNAVAILABLE: 'orange',
    SCAN_ELIGIBILITY_EXPIRED: 'orange',
  },
  action: { EXPIRE: 'red', TRANSITION: 'blue' },
};
/** Counts that are bad news when above zero, coloured as their severity. */
const COUNT_COLOURS: Record<string, string> = {
  critical: SEVERITY_COLOURS.CRITICAL,
  high: SEVERITY_COLOURS.HIGH,
  medium: SEVERITY_COLOURS.MEDIUM,
  incomplete: 'orange',
};
const TECHNICAL = new Set<string>(TECHNICAL_FIELDS);
/** Sentences, not values: the table wraps them instead of cutting them off. */
const SENTENCES = new Set(['reasons', 'blockedReasons', 'inUseBy', 'lastUsedBy', 'description']);

/** How Grafana shows a column: colours for vocabularies and bad counts, Yes/No for booleans, technical ones hidden. */
function display(name: string, type: WireFieldType): Partial<FieldConfig> {
  const config: Partial<FieldConfig> = {};
  const custom: Record<string, unknown> = {};
  const colours = COLOURS[name];
  if (colours) {
    const options: Record<string, { color: string; index: number }> = {};
    Object.entries(colours).forEach(([value, color], index) => (options[value] = { color, index }));
    config.mappings = [{ type: MappingType.ValueToText, options } satisfies ValueMapping];
    custom.cellOptions = { type: 'color-text' };
  } else if (type === 'boolean') {
    config.mappings = [
      { type: MappingType.ValueToText, options: { true: { text: 'Yes', index: 0 }, false: { text: 'No', index: 1 } } },
    ];
  }
  const bad = COUNT_COLOURS[name];
  if (bad && type === 'number') {
    config.thresholds = {
      mode: ThresholdsMode.Absolute,
      steps: [
        { value: -Infinity, color: 'text' },
        { value: 1, color: bad },
      ],
    };
    custom.cellOptions = { type: 'color-text' };
  }
  if (SENTENCES.has(name)) {
    custom.wrapText = true;
  }
  if (TECHNICAL.has(name)) {
    // The table's "Hide in table" option: the field stays for links, transformations and Inspect.
    custom.hidden = true;
  }
  if (Object.keys(custom).length > 0) {
    config.custom = custom;
  }
  return config;
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
      const config: FieldConfig = display(f.name, f.type);
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
