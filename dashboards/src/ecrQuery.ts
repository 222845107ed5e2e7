import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { QueryType } from '../../sidecar/src/query/request.js';
import type { IMAGE_KINDS, SCAN_STATES, SEVERITIES } from '../../sidecar/src/snapshot/model.js';
import { ECR_LENS } from './datasources.js';

/**
 * Filters as the plugin stores them (plugin/src/types.ts `EcrFilters`): list filters are text, a comma
 * list or template variables ("$repository"), which the plugin expands into arrays; enums are arrays.
 */
export interface EcrFilters {
  registry?: string;
  region?: string;
  repository?: string;
  tag?: string;
  cluster?: string;
  digest?: string;
  minSeverity?: (typeof SEVERITIES)[number];
  scanState?: Array<(typeof SCAN_STATES)[number]>;
  kind?: Array<(typeof IMAGE_KINDS)[number]>;
  decision?: Array<'delete' | 'keep' | 'blocked'>;
  pushedBefore?: string;
  pushedAfter?: string;
  pulledBefore?: string;
  pulledAfter?: string;
  olderThanDays?: number;
  notPulledForDays?: number;
  notUsedForDays?: number;
  inUse?: boolean;
  untagged?: boolean;
  level?: 'repository' | 'image';
}
export type EcrSort = { field: string; order: 'asc' | 'desc' };

/** An ECR Lens panel target: the sidecar's QueryRequest minus `range`, which the plugin adds from the time picker. */
export interface EcrLensQuery {
  refId?: string;
  hide?: boolean;
  datasource: { type: string; uid: string };
  queryType: QueryType;
  filters: EcrFilters;
  sort?: EcrSort;
  limit?: number;
  _implementsDataqueryVariant(): void;
}

/** cog builder for ECR Lens targets, per the foundation SDK's "custom query type" recipe. */
export class EcrQueryBuilder implements Builder<Dataquery> {
  private readonly internal: EcrLensQuery;

  constructor(queryType: QueryType, filters: EcrFilters = {}) {
    this.internal = {
      datasource: { ...ECR_LENS },
      queryType,
      filters: { ...filters },
      _implementsDataqueryVariant() {},
    };
  }

  build(): EcrLensQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  hide(hide: boolean): this {
    this.internal.hide = hide;
    return this;
  }

  sort(field: string, order: 'asc' | 'desc' = 'desc'): this {
    this.internal.sort = { field, order };
    return this;
  }

  limit(limit: number): this {
    this.internal.limit = limit;
    return this;
  }
}

export const ANNOTATION_KINDS = ['push', 'cleanup'] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];

/**
 * The plugin's annotation target (GET /api/v1/annotations): image pushes, or cleanup candidates and
 * blocked repositories. The plugin passes only the repository filter on.
 */
export interface EcrAnnotationQuery {
  refId?: string;
  hide?: boolean;
  queryType: 'annotations';
  annotationKind: AnnotationKind;
  filters: Pick<EcrFilters, 'repository'>;
  _implementsDataqueryVariant(): void;
}

export class EcrAnnotationQueryBuilder implements Builder<Dataquery> {
  private readonly internal: EcrAnnotationQuery;

  constructor(annotationKind: AnnotationKind, filters: Pick<EcrFilters, 'registry' | 'region' | 'repository'> = {}) {
    this.internal = {
      refId: 'Anno',
      queryType: 'annotations',
      annotationKind,
      filters: { ...filters },
      _implementsDataqueryVariant() {},
    };
  }

  build(): EcrAnnotationQuery {
    return this.internal;
  }
}

export const VARIABLE_KINDS = ['registries', 'regions', 'repositories', 'tags', 'clusters'] as const;
export type VariableKind = (typeof VARIABLE_KINDS)[number];

/** The query model of the plugin's CustomVariableSupport. */
export interface EcrVariableQuery {
  refId: string;
  kind: VariableKind;
  repository?: string;
}
