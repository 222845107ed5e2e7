import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { DataSource } from '../datasource';
import type { EcrQuery } from '../types';
import { fakeTemplateSrv } from '../testing/fakes';
import { QueryEditor } from './QueryEditor';
import { selectors } from './selectors';

const S = selectors.QueryEditor;
// No pause between keystrokes: typing into comboboxes is most of these tests' time.
const user = userEvent.setup({ delay: null });
// Comboboxes and popovers render a lot in jsdom; on a busy 2-core machine a test takes seconds.
jest.setTimeout(30_000);

// Combobox measures text on a canvas and virtualises its menu: jsdom has neither a 2D canvas nor layout.
beforeAll(() => {
  class NoIntersections {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  Object.defineProperty(window, 'IntersectionObserver', { configurable: true, value: NoIntersections });
  Object.defineProperty(HTMLCanvasElement.prototype, 'getContext', {
    configurable: true,
    value: () => ({ measureText: (text: string) => ({ width: text.length * 7 }), font: '' }),
  });
  for (const side of ['offsetHeight', 'offsetWidth']) {
    Object.defineProperty(HTMLElement.prototype, side, { configurable: true, get: () => 300 });
  }
  Object.defineProperty(Element.prototype, 'getBoundingClientRect', {
    configurable: true,
    value: () => ({
      width: 300,
      height: 300,
      top: 0,
      left: 0,
      bottom: 300,
      right: 300,
      x: 0,
      y: 0,
      toJSON: () => ({}),
    }),
  });
});

beforeEach(() => fakeTemplateSrv({}));

/** A data source that knows a few values, as the sidecar's variables route lists them. */
function valueSource() {
  const known: Record<string, string[]> = {
    repositories: ['team/api', 'team/web'],
    registries: ['111122223333'],
    tags: ['v1', 'latest'],
  };
  const variableValues = jest.fn(async (q: { kind: string }) =>
    (known[q.kind] ?? []).map((v) => ({ text: v, value: v }))
  );
  return { variableValues } as unknown as DataSource & { variableValues: jest.Mock };
}

function setup(query: EcrQuery, datasource: DataSource = valueSource()) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const view = render(
    <QueryEditor query={query} onChange={onChange} onRunQuery={onRunQuery} datasource={datasource} />
  );
  return { onChange, onRunQuery, view, datasource };
}

const openGroup = (name: string) => user.click(screen.getByText(name));
const combobox = (name: string) => screen.getByRole('combobox', { name });
/** Types into a combobox and takes the `nth` entry of its menu (jsdom lays out no menu to click). */
async function choose(name: string, text: string, nth = 1) {
  await user.click(combobox(name));
  await user.keyboard(`${text}${'{ArrowDown}'.repeat(nth)}{Enter}`);
}

describe('QueryEditor', () => {
  it('picks the query type from a combobox and runs the query', async () => {
    const { onChange, onRunQuery } = setup({ refId: 'A', queryType: 'repositories' });
    expect(combobox(S.queryType)).toHaveValue('Repositories');
    expect(screen.getByTestId(S.description)).toHaveTextContent('One row per repository');
    await choose(S.queryType, 'Findings');
    expect(onChange).toHaveBeenCalledWith({ refId: 'A', queryType: 'findings' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('keeps filters and options folded, with what is set in the summary, and shows only the type’s filters', async () => {
    setup({ refId: 'A', queryType: 'images', filters: { repository: 'team/*', notUsedForDays: 90 }, limit: 50 });
    expect(screen.getByText('Repository: team/*')).toBeInTheDocument();
    expect(screen.getByText('Limit: 50')).toBeInTheDocument();
    expect(screen.queryByLabelText(S.filter('notUsedForDays'))).not.toBeInTheDocument();
    await openGroup(S.filtersGroup);
    expect(screen.getByLabelText(S.filter('notUsedForDays'))).toHaveValue(90);
    expect(screen.queryByLabelText(S.filter('useKind'))).not.toBeInTheDocument();
  });

  it('suggests known values and dashboard variables for list filters, and keeps typed globs', async () => {
    fakeTemplateSrv({ repository: 'team/api' });
    const { onChange, onRunQuery, datasource } = setup({ refId: 'A', queryType: 'images', filters: {} });
    await openGroup(S.filtersGroup);
    // The first entry is always "use what was typed"; the next ones are the matching suggestions.
    await choose(S.filter('repository'), 'team/w', 2);
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', queryType: 'images', filters: { repository: 'team/web' } });
    expect(onRunQuery).toHaveBeenCalled();
    expect((datasource as unknown as { variableValues: jest.Mock }).variableValues).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'repositories' })
    );
  });

  it('offers the dashboard variables, and takes a glob as typed', async () => {
    fakeTemplateSrv({ repository: 'team/api' });
    const { onChange, view } = setup({ refId: 'A', queryType: 'images', filters: {} });
    await openGroup(S.filtersGroup);
    await choose(S.filter('repository'), '$repo', 2);
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'images',
      filters: { repository: '$repository' },
    });
    view.unmount();
    const next = setup({ refId: 'A', queryType: 'images', filters: {} });
    await openGroup(S.filtersGroup);
    await choose(S.filter('repository'), 'legacy-*');
    expect(next.onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'images',
      filters: { repository: 'legacy-*' },
    });
  });

  it('checks what is typed as the sidecar would, and leaves variables to run time', async () => {
    const { view } = setup({
      refId: 'A',
      queryType: 'images',
      filters: { registry: '111122223333, 12345', region: '$region' },
    });
    await openGroup(S.filtersGroup);
    expect(screen.getByText('"12345" must be a 12-digit account id')).toBeInTheDocument();
    view.unmount();
    setup({ refId: 'A', queryType: 'findings', filters: { digest: 'sha256:abc' } });
    await openGroup(S.filtersGroup);
    expect(screen.getByText('"sha256:abc" must be sha256:<64 hex>')).toBeInTheDocument();
  });

  it('sets tri-state booleans and single and multiple choices, and runs at once', async () => {
    const { onChange, onRunQuery } = setup({ refId: 'A', queryType: 'images', filters: { kind: ['index'] } });
    await openGroup(S.filtersGroup);
    await user.click(
      within(screen.getByRole('radiogroup', { name: S.filter('untagged') })).getByRole('radio', { name: 'Yes' })
    );
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'images',
      filters: { kind: ['index'], untagged: true },
    });
    await choose(S.filter('minSeverity'), 'HIGH');
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'images',
      filters: { kind: ['index'], minSeverity: 'HIGH' },
    });
    await choose(S.filter('kind'), 'image');
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'images',
      filters: { kind: ['index', 'image'] },
    });
    expect(onRunQuery).toHaveBeenCalledTimes(3);
  });

  it('clears a number filter when emptied', async () => {
    const { onChange } = setup({ refId: 'A', queryType: 'cleanup', filters: { olderThanDays: 9 } });
    await openGroup(S.filtersGroup);
    await user.clear(screen.getByLabelText(S.filter('olderThanDays')));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', queryType: 'cleanup', filters: {} });
  });

  it('sorts by a column of the result only, and sets the order and limit', async () => {
    const { onChange, view } = setup({ refId: 'A', queryType: 'cost' });
    await openGroup(S.optionsGroup);
    // Only the cost frame's columns, by title: another query type's column matches nothing.
    await choose(S.sortField, 'Digest');
    expect(onChange).not.toHaveBeenCalled();
    await user.clear(combobox(S.sortField));
    await choose(S.sortField, 'Monthly cost');
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'cost',
      sort: { field: 'monthlyCostUsd', order: 'asc' },
    });
    view.rerender(
      <QueryEditor
        query={{ refId: 'A', queryType: 'cost', sort: { field: 'monthlyCostUsd', order: 'asc' } }}
        onChange={onChange}
        onRunQuery={jest.fn()}
        datasource={valueSource()}
      />
    );
    await user.click(screen.getByRole('radio', { name: 'Descending' }));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'cost',
      sort: { field: 'monthlyCostUsd', order: 'desc' },
    });
    await user.type(screen.getByLabelText(S.limit), '5');
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'cost',
      sort: { field: 'monthlyCostUsd', order: 'asc' },
      limit: 5,
    });
  });

  it('filters images by dashboard time only when switched on, and offers the switch only where it applies', async () => {
    const { onChange, onRunQuery, view } = setup({ refId: 'A', queryType: 'images' });
    await openGroup(S.optionsGroup);
    const toggle = screen.getByLabelText(S.useTimeRange);
    expect(toggle).not.toBeChecked();
    await user.click(toggle);
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', queryType: 'images', useTimeRange: true });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    view.unmount();
    setup({ refId: 'A', queryType: 'cost' });
    await openGroup(S.optionsGroup);
    expect(screen.queryByLabelText(S.useTimeRange)).not.toBeInTheDocument();
  });
});
