import React from 'react';
import type { DataSourceSettings } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { EcrDataSourceOptions, EcrSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';
import { selectors } from './selectors';

type Options = DataSourceSettings<EcrDataSourceOptions, EcrSecureJsonData>;

const options = (overrides: Partial<Options> = {}): Options =>
  ({
    id: 1,
    uid: 'ecr-lens',
    name: 'ECR Lens',
    type: 'ecrlens-ecr-datasource',
    access: 'proxy',
    url: '',
    jsonData: {},
    secureJsonFields: {},
    ...overrides,
  }) as Options;

describe('ConfigEditor', () => {
  it('writes the sidecar URL into jsonData', async () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={options()} onOptionsChange={onOptionsChange} />);
    await userEvent.type(screen.getByLabelText(selectors.ConfigEditor.sidecarUrl), 'h');
    expect(onOptionsChange).toHaveBeenLastCalledWith(expect.objectContaining({ jsonData: { sidecarUrl: 'h' } }));
  });

  it('writes the token into secureJsonData only', async () => {
    const onOptionsChange = jest.fn();
    render(
      <ConfigEditor options={options({ jsonData: { sidecarUrl: 'http://s' } })} onOptionsChange={onOptionsChange} />
    );
    await userEvent.type(screen.getByLabelText(selectors.ConfigEditor.apiToken), 't');
    const next = onOptionsChange.mock.calls.at(-1)[0] as Options;
    expect(next.secureJsonData).toEqual({ apiToken: 't' });
    expect(next.jsonData).toEqual({ sidecarUrl: 'http://s' });
  });

  it('shows a stored token as configured and resets it', async () => {
    const onOptionsChange = jest.fn();
    render(
      <ConfigEditor options={options({ secureJsonFields: { apiToken: true } })} onOptionsChange={onOptionsChange} />
    );
    expect(screen.getByLabelText(selectors.ConfigEditor.apiToken)).toHaveValue('configured');
    await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(onOptionsChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ secureJsonFields: { apiToken: false }, secureJsonData: { apiToken: '' } })
    );
  });

  it('has no admin token: executions belong to the app', () => {
    render(<ConfigEditor options={options()} onOptionsChange={jest.fn()} />);
    expect(screen.queryByLabelText('Admin token')).toBeNull();
    expect(screen.getAllByPlaceholderText('Paste the token')).toHaveLength(1);
  });
});
