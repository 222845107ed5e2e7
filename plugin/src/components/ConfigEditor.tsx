import React from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, Input, SecretInput, Stack, Text } from '@grafana/ui';

import type { EcrDataSourceOptions, EcrSecureJsonData } from '../types';
import { selectors } from './selectors';

type Props = DataSourcePluginOptionsEditorProps<EcrDataSourceOptions, EcrSecureJsonData>;

type SecretKey = keyof EcrSecureJsonData;

interface SecretFieldProps {
  label: string;
  description: string;
  name: SecretKey;
  isConfigured: boolean;
  value: string;
  onChange: (value: string) => void;
  onReset: () => void;
}

const INPUT_IDS: Record<SecretKey, string> = { apiToken: 'ecr-lens-api-token', adminToken: 'ecr-lens-admin-token' };

function SecretField({ label, description, name, isConfigured, value, onChange, onReset }: SecretFieldProps) {
  return (
    <Field label={label} description={description}>
      <SecretInput
        id={INPUT_IDS[name]}
        aria-label={selectors.ConfigEditor[name]}
        width={60}
        isConfigured={isConfigured}
        value={value}
        placeholder="Paste the token"
        onChange={(e) => onChange(e.currentTarget.value)}
        onReset={onReset}
      />
    </Field>
  );
}

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
        label="API token"
        description="The sidecar's SIDECAR_API_TOKEN. Leave empty if the sidecar runs without one."
        name="apiToken"
        {...secretProps('apiToken')}
      />
      <SecretField
        label="Admin token"
        description="Optional: the sidecar's SIDECAR_ADMIN_TOKEN. Grafana adds it only to cleanup executions, which only Grafana admins may send. Leave empty to keep execution out of Grafana."
        name="adminToken"
        {...secretProps('adminToken')}
      />
    </Stack>
  );
}
