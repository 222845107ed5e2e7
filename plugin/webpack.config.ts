/**
 * create-plugin's webpack config (.config/, managed by create-plugin), extended as its docs advise: the nested
 * data source needs its logo in dist/datasource/img, where Grafana looks for it (logos resolve against the
 * nested plugin's own folder). The file is the app's logo, copied rather than kept twice.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  return {
    ...base,
    plugins: [
      ...(base.plugins ?? []),
      new CopyWebpackPlugin({ patterns: [{ from: 'img/logo.svg', to: 'datasource/img/logo.svg' }] }),
    ],
  };
};

export default config;
