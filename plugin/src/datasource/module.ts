import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { QueryEditorHelp } from './components/QueryEditorHelp';
import { DataSource } from './datasource';
import type { EcrDataSourceOptions, EcrQuery, EcrSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, EcrQuery, EcrDataSourceOptions, EcrSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor)
  .setQueryEditorHelp(QueryEditorHelp);
