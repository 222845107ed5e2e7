/**
 * The field config registry a panel hands applyFieldOverrides. Grafana builds it from its standard options
 * (public/app, not in @grafana/data) plus the panel plugin's custom options; without one, a panel's saved
 * fieldConfig (defaults and overrides) is ignored. This covers the standard options and the table's custom ones.
 */
import { FieldConfigOptionsRegistry, identityOverrideProcessor, type FieldConfigPropertyItem } from '@grafana/data';

const STANDARD = [
  'unit',
  'decimals',
  'min',
  'max',
  'displayName',
  'noValue',
  'color',
  'thresholds',
  'links',
  'mappings',
];
const TABLE_CUSTOM = ['align', 'inspect', 'filterable', 'width', 'minWidth', 'hidden', 'cellOptions', 'wrapText'];

const item = (path: string, isCustom: boolean): FieldConfigPropertyItem =>
  ({
    id: isCustom ? `custom.${path}` : path,
    path,
    name: path,
    isCustom,
    process: identityOverrideProcessor,
    shouldApply: () => true,
    override: () => null,
    editor: () => null,
  }) as unknown as FieldConfigPropertyItem;

export const fieldConfigRegistry = new FieldConfigOptionsRegistry(() => [
  ...STANDARD.map((p) => item(p, false)),
  ...TABLE_CUSTOM.map((p) => item(p, true)),
]);

/** Grafana's defaults for the standard options a saved panel leaves out: colour by the base threshold. */
export const STANDARD_DEFAULTS = {
  color: { mode: 'thresholds' },
  thresholds: {
    mode: 'absolute',
    steps: [
      { value: -Infinity, color: 'green' },
      { value: 80, color: 'red' },
    ],
  },
};
