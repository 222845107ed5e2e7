import { CustomVariableSupport, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { from, map, type Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import type { EcrDataSourceOptions, EcrQuery, EcrVariableQuery } from './types';

/** Template variables (registries, regions, repositories, tags, clusters) with their own editor. */
export class EcrVariableSupport extends CustomVariableSupport<
  DataSource,
  EcrVariableQuery,
  EcrQuery,
  EcrDataSourceOptions
> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<EcrVariableQuery>): Observable<DataQueryResponse> {
    const [target] = request.targets;
    return from(this.datasource.variableValues(target, request.scopedVars)).pipe(map((values) => ({ data: values })));
  }
}
