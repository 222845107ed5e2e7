import React from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, Input, Stack, Text } from '@grafana/ui';

import { SecretField } from '../../shared/SecretField';

import type { EcrDataSourceOptions, EcrSecureJsonData } from '../types';
import { selectors } from './selectors';

type Props = DataSourcePluginOptionsEditorProps<EcrDataSourceOptions, EcrSecureJsonData>;

type SecretKey = keyof EcrSecureJsonData;

/** The sidecar's address and its tokens. Tokens are stored encrypted and only Grafana's proxy reads them. */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;
  const secretProps = (key: SecretKey) => ({
    isConfigured: Boolean(secureJsonFields?.[key]),
    value: secureJsonData?.[key] ?? '',
    onChange: (value: string) => onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: value } }),
    onReset: () =>
      onOptionsChange({
        ...options,
        secureJsonFields: { ...secureJsonFields, [key]: false },
        secureJsonData: { ...secureJsonData, [key]: '' },
      }),
  });

  return (
    <Stack direction="column" gap={2}>
      <Text color="secondary">
        ECR Lens reads your ECR registries through its sidecar. Grafana forwards every request to the sidecar URL below
        and adds the API token, so the token never reaches the browser.
      </Text>
      <Field
        label="Sidecar URL"
        description="How the Grafana server reaches the sidecar, e.g. http://ecr-lens-sidecar:8080."
        required
      >
        <Input
          id="ecr-lens-sidecar-url"
          aria-label={selectors.ConfigEditor.sidecarUrl}
          width={60}
          value={jsonData.sidecarUrl ?? ''}
          placeholder="http://localhost:8080"
          onChange={(e) =>
            onOptionsChange({ ...options, jsonData: { ...jsonData, sidecarUrl: e.currentTarget.value.trim() } })
          }
        />
      </Field>
      <SecretField
        label={selectors.ConfigEditor.apiToken}
        description="The sidecar's SIDECAR_API_TOKEN. Leave empty if the sidecar runs without one. Cleanups are executed from the ECR Lens app, which holds the admin token."
        id="ecr-lens-api-token"
        {...secretProps('apiToken')}
      />
    </Stack>
  );
}
