import React from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, Input, SecretInput, Stack, Text } from '@grafana/ui';

import type { EcrDataSourceOptions, EcrSecureJsonData } from '../types';
import { selectors } from './selectors';

type Props = DataSourcePluginOptionsEditorProps<EcrDataSourceOptions, EcrSecureJsonData>;

/** The sidecar's address and its API token. The token is stored encrypted and only Grafana's proxy reads it. */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;

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
      <Field
        label="API token"
        description="The sidecar's SIDECAR_API_TOKEN. Leave empty if the sidecar runs without one."
      >
        <SecretInput
          id="ecr-lens-api-token"
          aria-label={selectors.ConfigEditor.apiToken}
          width={60}
          isConfigured={Boolean(secureJsonFields?.apiToken)}
          value={secureJsonData?.apiToken ?? ''}
          placeholder="Paste the token"
          onChange={(e) =>
            onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, apiToken: e.currentTarget.value } })
          }
          onReset={() =>
            onOptionsChange({
              ...options,
              secureJsonFields: { ...secureJsonFields, apiToken: false },
              secureJsonData: { ...secureJsonData, apiToken: '' },
            })
          }
        />
      </Field>
    </Stack>
  );
}
