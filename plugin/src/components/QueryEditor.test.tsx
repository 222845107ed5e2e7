import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { DataSource } from '../datasource';
import type { EcrQuery } from '../types';
import { QueryEditor } from './QueryEditor';
import { selectors } from './selectors';

const S = selectors.QueryEditor;

function setup(query: EcrQuery) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const view = render(
    <QueryEditor query={query} onChange={onChange} onRunQuery={onRunQuery} datasource={{} as DataSource} />
  );
  return { onChange, onRunQuery, view };
}

describe('QueryEditor', () => {
  it('shows the query type, its description and only its filters', () => {
    setup({ refId: 'A', queryType: 'repositories' });
    const picker = screen.getByRole('radiogroup', { name: S.queryType });
    expect(within(picker).getByRole('radio', { name: 'Repositories' })).toBeChecked();
    expect(screen.getByTestId(S.description)).toHaveTextContent('One row per repository');
    expect(screen.getByLabelText(S.filter('repository'))).toBeInTheDocument();
    expect(screen.getByLabelText(S.filter('notPulledForDays'))).toBeInTheDocument();
    expect(screen.queryByLabelText(S.filter('digest'))).not.toBeInTheDocument();
    expect(screen.queryByLabelText(S.filter('tag'))).not.toBeInTheDocument();
  });

  it('changes the query type and runs the query', async () => {
    const { onChange, onRunQuery } = setup({ refId: 'A', queryType: 'repositories' });
    await userEvent.click(screen.getByRole('radio', { name: 'Findings' }));
    expect(onChange).toHaveBeenCalledWith({ refId: 'A', queryType: 'findings' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('offers notUsedForDays for images and cleanup, not for repositories', () => {
    const { view } = setup({ refId: 'A', queryType: 'images', filters: { notUsedForDays: 90 } });
    expect(screen.getByLabelText(S.filter('notUsedForDays'))).toHaveValue(90);
    view.unmount();
    setup({ refId: 'A', queryType: 'repositories' });
    expect(screen.queryByLabelText(S.filter('notUsedForDays'))).not.toBeInTheDocument();
  });

  it('filters images by dashboard time only when switched on, and offers the switch only where it applies', async () => {
    const { onChange, onRunQuery, view } = setup({ refId: 'A', queryType: 'images' });
    const toggle = screen.getByLabelText(S.useTimeRange);
    expect(toggle).not.toBeChecked();
    await userEvent.click(toggle);
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', queryType: 'images', useTimeRange: true });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    view.unmount();
    setup({ refId: 'A', queryType: 'cost' });
    expect(screen.queryByLabelText(S.useTimeRange)).not.toBeInTheDocument();
  });

  it('shows the digest for findings with help text', () => {
    setup({ refId: 'A', queryType: 'findings', filters: { digest: 'sha256:abc' } });
    expect(screen.getByLabelText(S.filter('digest'))).toHaveValue('sha256:abc');
    expect(screen.getByTestId(S.description)).toHaveTextContent('Needs the image digest');
  });

  it('edits a list filter as text and runs the query on blur', async () => {
    const { onChange, onRunQuery } = setup({ refId: 'A', queryType: 'images', filters: {} });
    const input = screen.getByLabelText(S.filter('repository'));
    await userEvent.type(input, '$');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', queryType: 'images', filters: { repository: '$' } });
    expect(onRunQuery).not.toHaveBeenCalled();
    await userEvent.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('sets tri-state booleans, severities and multi-choice filters and runs at once', async () => {
    const { onChange, onRunQuery } = setup({ refId: 'A', queryType: 'images', filters: { kind: ['index'] } });
    await userEvent.click(
      within(screen.getByRole('radiogroup', { name: S.filter('untagged') })).getByRole('radio', { name: 'Yes' })
    );
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'images',
      filters: { kind: ['index'], untagged: true },
    });
    await userEvent.click(
      within(screen.getByRole('radiogroup', { name: S.filter('minSeverity') })).getByRole('radio', { name: 'HIGH' })
    );
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'images',
      filters: { kind: ['index'], minSeverity: 'HIGH' },
    });
    await userEvent.click(within(screen.getByRole('group', { name: S.filter('kind') })).getByLabelText('image'));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'images',
      filters: { kind: ['image', 'index'] },
    });
    expect(onRunQuery).toHaveBeenCalledTimes(3);
  });

  it('clears a number filter when emptied', async () => {
    const { onChange } = setup({ refId: 'A', queryType: 'cleanup', filters: { olderThanDays: 9 } });
    await userEvent.clear(screen.getByLabelText(S.filter('olderThanDays')));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', queryType: 'cleanup', filters: {} });
  });

  it('sets the sort field, order and limit', async () => {
    const { onChange, view } = setup({ refId: 'A', queryType: 'cost' });
    await userEvent.type(screen.getByLabelText(S.sortField), 'c');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', queryType: 'cost', sort: { field: 'c', order: 'asc' } });
    view.rerender(
      <QueryEditor
        query={{ refId: 'A', queryType: 'cost', sort: { field: 'cost', order: 'asc' } }}
        onChange={onChange}
        onRunQuery={jest.fn()}
        datasource={{} as DataSource}
      />
    );
    await userEvent.click(screen.getByRole('radio', { name: 'Descending' }));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'cost',
      sort: { field: 'cost', order: 'desc' },
    });
    await userEvent.type(screen.getByLabelText(S.limit), '5');
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'cost',
      sort: { field: 'cost', order: 'asc' },
      limit: 5,
    });
  });
});
