import { z } from 'zod';

/** A Grafana-shaped, column-oriented data frame, as the sidecar serves it over JSON. */

export const FIELD_TYPES = ['string', 'number', 'time', 'boolean', 'other'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const FieldConfig = z
  .object({
    /** Grafana unit id: bytes, currencyUSD, dateTimeAsIso, short, d (days), ... */
    unit: z.string().optional(),
    description: z.string().optional(),
    displayName: z.string().optional(),
    decimals: z.number().optional(),
  })
  .readonly();
export type FieldConfig = z.output<typeof FieldConfig>;

export const Field = z
  .object({
    name: z.string(),
    type: z.enum(FIELD_TYPES),
    config: FieldConfig,
    values: z.array(z.unknown()).readonly().describe('Column values; times are epoch ms; unknown values are null, never 0.'),
  })
  .readonly();
export type Field = z.output<typeof Field>;

export const NOTICE_SEVERITIES = ['info', 'warning'] as const;
export const Notice = z.object({ severity: z.enum(NOTICE_SEVERITIES), text: z.string() }).readonly();
export type Notice = z.output<typeof Notice>;

export const Frame = z
  .object({
    name: z.string(),
    fields: z.array(Field).readonly(),
    meta: z
      .object({
        preferredVisualisationType: z.literal('table'),
        /** Rows matching the filters, before limit and offset. */
        totalRows: z.number(),
        snapshotVersion: z.number(),
        notices: z.array(Notice).readonly().optional(),
      })
      .readonly(),
  })
  .readonly();
export type Frame = z.output<typeof Frame>;

/** The answer of POST /api/v1/query: one frame. */
export const QueryResponse = z.object({
  frame: Frame,
  total: z.number().describe('Rows matching the filters, before limit and offset.'),
});
export type QueryResponse = z.output<typeof QueryResponse>;
