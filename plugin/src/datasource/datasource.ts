import {
  DataSourceApi,
  type AnnotationSupport,
  type CoreApp,
  type DataFrame,
  type DataQueryError,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
  type TimeRange,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';

import { annotationFrame, annotationRows } from './annotations';
import { SidecarClient, SidecarError } from './api';
import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { emptyFrame, toDataFrame } from './frames';
import { describeFailure, describeStatus } from './health';
import { buildQueryRequest, interpolateParam, interpolateQuery } from './interpolate';
import { Annotations, frameShape, InventoryStatus, QueryResponse, VariableValues } from '@ecr-lens/contract';
import {
  ANNOTATIONS_QUERY_TYPE,
  DEFAULT_QUERY,
  QUERY_TYPES,
  VARIABLE_KINDS,
  type EcrDataSourceOptions,
  type EcrQuery,
  type EcrVariableQuery,
  type QueryType,
  type VariableKind,
} from './types';
import { EcrVariableSupport } from './variables';

/** The findings panel's empty state, while no image is chosen. */
export const SELECT_AN_IMAGE =
  'Select an image: findings list the CVEs of one image. Click a digest in a table, or set the image digest (sha256:…).';

const isQueryType = (v: unknown): v is QueryType => (QUERY_TYPES as readonly unknown[]).includes(v);

export class DataSource extends DataSourceApi<EcrQuery, EcrDataSourceOptions> {
  readonly client: SidecarClient;
  readonly sidecarUrl?: string;

  annotations: AnnotationSupport<EcrQuery> = {
    QueryEditor: AnnotationQueryEditor,
    getDefaultQuery: () => ({ queryType: ANNOTATIONS_QUERY_TYPE, annotationKind: 'push' }),
    // Stored annotation targets may predate the marker: make sure they reach the annotations endpoint.
    prepareQuery: (anno) =>
      anno.target
        ? { ...anno.target, queryType: ANNOTATIONS_QUERY_TYPE, refId: anno.target.refId ?? 'Anno' }
        : undefined,
  };

  constructor(instanceSettings: DataSourceInstanceSettings<EcrDataSourceOptions>) {
    super(instanceSettings);
    this.client = new SidecarClient(instanceSettings.url ?? '');
    this.sidecarUrl = instanceSettings.jsonData?.sidecarUrl;
    this.variables = new EcrVariableSupport(this);
  }

  /** For Explore and "Explore" from a panel: the queries with the dashboard's variables applied. */
  interpolateVariablesInQueries(queries: EcrQuery[], scopedVars: ScopedVars): EcrQuery[] {
    return queries.map((query) => interpolateQuery(getTemplateSrv(), query, scopedVars));
  }

  getDefaultQuery(_app: CoreApp): Partial<EcrQuery> {
    return DEFAULT_QUERY;
  }

  filterQuery(query: EcrQuery): boolean {
    return !query.hide && query.queryType !== undefined;
  }

  async query(request: DataQueryRequest<EcrQuery>): Promise<DataQueryResponse> {
    const targets = request.targets.filter((t) => this.filterQuery(t));
    const outcomes = await Promise.all(
      targets.map((target) =>
        this.runTarget(target, request).then(
          (frame) => ({ frame }),
          (err: unknown): { error: DataQueryError } => ({
            error: {
              refId: target.refId,
              message: err instanceof Error ? err.message : String(err),
              status: err instanceof SidecarError ? err.status : undefined,
            },
          })
        )
      )
    );
    const data: DataFrame[] = [];
    const errors: DataQueryError[] = [];
    for (const o of outcomes) {
      if ('frame' in o) {
        data.push(o.frame);
      } else {
        errors.push(o.error);
      }
    }
    return errors.length > 0 ? { data, errors } : { data };
  }

  private async runTarget(target: EcrQuery, request: DataQueryRequest<EcrQuery>): Promise<DataFrame> {
    if (target.queryType === ANNOTATIONS_QUERY_TYPE) {
      return this.annotationData(target, request.range, request.scopedVars);
    }
    if (!isQueryType(target.queryType)) {
      throw new Error(`Unknown query type "${String(target.queryType)}". Pick one in the query editor.`);
    }
    const queryType = target.queryType;
    const body = buildQueryRequest(getTemplateSrv(), { ...target, queryType }, request.range, request.scopedVars);
    // Checked after interpolation: an empty `$digest` variable is "no image chosen yet", not an error.
    if (queryType === 'findings' && !body.filters.digest) {
      return emptyFrame(queryType, target.refId, SELECT_AN_IMAGE);
    }
    const response = await this.client.post(
      '/api/v1/query',
      body,
      QueryResponse,
      request.requestId ? `${request.requestId}_${target.refId}` : undefined
    );
    return toDataFrame(response.frame, target.refId, frameShape(queryType, body.filters.level));
  }

  private async annotationData(target: EcrQuery, range: TimeRange, scopedVars: ScopedVars): Promise<DataFrame> {
    // The same scope as the panels: registry, region and repository, multi-value variables as comma lists.
    const scope = (text: string | undefined) => interpolateParam(getTemplateSrv(), text, scopedVars);
    const body = await this.client.get('/api/v1/annotations', Annotations, {
      from: range.from.valueOf(),
      to: range.to.valueOf(),
      kind: target.annotationKind ?? 'push',
      registry: scope(target.filters?.registry),
      region: scope(target.filters?.region),
      repository: scope(target.filters?.repository),
    });
    return annotationFrame(annotationRows(body), target.refId);
  }

  /** Values of one template variable kind, narrowed by registry, region and repository (variables chain). */
  async variableValues(query: EcrVariableQuery | undefined, scopedVars?: ScopedVars): Promise<MetricFindValue[]> {
    const kind: VariableKind = query && VARIABLE_KINDS.includes(query.kind) ? query.kind : 'repositories';
    const param = (text: string | undefined) => interpolateParam(getTemplateSrv(), text, scopedVars);
    const repository = param(query?.repository);
    // Tags of no repository (none chosen yet, or "All"): an empty list, not a failed variable.
    if (kind === 'tags' && !repository) {
      return [];
    }
    const values = await this.client.get(`/api/v1/variables/${kind}`, VariableValues, {
      registry: param(query?.registry),
      region: param(query?.region),
      repository,
    });
    return values.map((v) => ({ text: v.text, value: v.value }));
  }

  /** For callers that still use the string form: "regions", "tags:my-repo", "tags:$repository". */
  async metricFindQuery(
    query: string | EcrVariableQuery,
    options?: { scopedVars?: ScopedVars }
  ): Promise<MetricFindValue[]> {
    if (typeof query !== 'string') {
      return this.variableValues(query, options?.scopedVars);
    }
    const [kind, ...rest] = query.trim().split(':');
    const repository = rest.join(':').trim() || undefined;
    if (!(VARIABLE_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`Unknown variable kind "${kind}". Use one of: ${VARIABLE_KINDS.join(', ')}.`);
    }
    return this.variableValues(
      { refId: 'metricFindQuery', kind: kind as VariableKind, repository },
      options?.scopedVars
    );
  }

  async testDatasource(): Promise<TestDataSourceResponse> {
    try {
      const status = await this.client.get('/api/v1/status', InventoryStatus);
      return describeStatus(status, Date.now());
    } catch (err) {
      const error = err instanceof SidecarError ? err : new SidecarError(String(err), undefined, undefined);
      return describeFailure(error, this.sidecarUrl);
    }
  }
}
