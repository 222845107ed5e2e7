import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { DataSource } from '../datasource';
import type { EcrVariableQuery } from '../types';
import { selectors } from './selectors';
import { VariableQueryEditor } from './VariableQueryEditor';

const S = selectors.VariableQueryEditor;

function setup(query: EcrVariableQuery | undefined) {
  const onChange = jest.fn();
  const view = render(
    <VariableQueryEditor
      query={query as EcrVariableQuery}
      onChange={onChange}
      onRunQuery={jest.fn()}
      datasource={{} as DataSource}
    />
  );
  return { onChange, view };
}

describe('VariableQueryEditor', () => {
  it('starts a new variable on repositories and switches kind', async () => {
    const { onChange } = setup(undefined);
    expect(screen.getByRole('radio', { name: 'Repositories' })).toBeChecked();
    // Repositories may be narrowed by a glob; clusters may not.
    expect(screen.getByLabelText(S.repository)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('radio', { name: 'Clusters' }));
    expect(onChange).toHaveBeenCalledWith({ refId: 'EcrVariableQuery', kind: 'clusters', repository: undefined });
  });

  it('chains to the registry and region variables', async () => {
    const { onChange, view } = setup({ refId: 'V', kind: 'clusters' });
    expect(screen.queryByLabelText(S.repository)).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(S.registry), '$');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'V', kind: 'clusters', registry: '$' });
    view.unmount();
    const next = setup({ refId: 'V', kind: 'repositories', region: 'eu-west-1' });
    await userEvent.clear(screen.getByLabelText(S.region));
    expect(next.onChange).toHaveBeenLastCalledWith({ refId: 'V', kind: 'repositories', region: undefined });
  });

  it('asks for the repository when listing tags', async () => {
    const { onChange } = setup({ refId: 'V', kind: 'tags', repository: '' });
    await userEvent.type(screen.getByLabelText(S.repository), '$');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'V', kind: 'tags', repository: '$' });
  });
});
