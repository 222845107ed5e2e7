import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type {
  AnnotationKind,
  EcrTarget,
  EcrVariableTarget,
  QueryFieldName,
  QueryType,
  SortOrder,
  TargetFilters,
  TargetSort,
} from '@ecr-lens/contract';
import { ECR_LENS } from './datasources.js';

// The stored target's shape is the contract's (TargetFilters: lists and times as text), which the plugin's
// editors write too.
export type EcrFilters = TargetFilters;
export type EcrSort = TargetSort;

/** An ECR Lens panel target: the contract's EcrTarget, with Grafana's own fields. */
export interface EcrLensQuery extends Omit<EcrTarget, 'queryType' | 'filters' | 'annotationKind'> {
  refId?: string;
  hide?: boolean;
  datasource: { type: string; uid: string };
  queryType: QueryType;
  filters: EcrFilters;
  _implementsDataqueryVariant(): void;
}

/** cog builder for ECR Lens targets, per the foundation SDK's "custom query type" recipe. */
/** `T`: the query type, so that a sort names a column the sidecar serves for it. */
export class EcrQueryBuilder<T extends QueryType = QueryType> implements Builder<Dataquery> {
  private readonly internal: EcrLensQuery;

  constructor(queryType: T, filters: EcrFilters = {}) {
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

  sort(field: QueryFieldName<T>, order: SortOrder = 'desc'): this {
    this.internal.sort = { field, order };
    return this;
  }

  limit(limit: number): this {
    this.internal.limit = limit;
    return this;
  }

  /** Filter by the dashboard time (images by push time, usage by use time); off by default. */
  useTimeRange(): this {
    this.internal.useTimeRange = true;
    return this;
  }
}

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

/** The query model of the plugin's CustomVariableSupport: the contract's EcrVariableTarget. */
export interface EcrVariableQuery extends EcrVariableTarget {
  refId: string;
}
