import React, { useState } from 'react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, Input, RadioButtonGroup, Stack, Text } from '@grafana/ui';
import { lastValueFrom } from 'rxjs';

import { SecretField } from '../shared/SecretField';
import { APP_ID, EXECUTE_ROLES, executeRoleOf, type AppSecrets, type AppSettings, type ExecuteRole } from './settings';

type Props = PluginConfigPageProps<AppPluginMeta<AppSettings>>;
type SecretKey = keyof AppSecrets;

/** The settings Grafana stores for the app (POST /api/plugins/<id>/settings): jsonData, and secrets it encrypts. */
export function settingsBody(enabled: boolean, pinned: boolean, jsonData: AppSettings, secrets: AppSecrets) {
  const role: ExecuteRole = jsonData.executeRole === 'Editor' ? 'Editor' : 'Admin';
  const sidecarUrl = jsonData.sidecarUrl?.trim() ?? '';
  return {
    enabled,
    pinned,
    // editorSidecarUrl is what opens the Editor routes: set only while Editors may execute.
    jsonData: { sidecarUrl, executeRole: role, editorSidecarUrl: role === 'Editor' ? sidecarUrl : '' },
    // Only what was typed: an untouched secret stays as stored.
    secureJsonData: Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== undefined)),
  };
}

/** The app's configuration page: the sidecar, its tokens (kept by Grafana, never by a person) and who may execute. */
export function AppConfig({ plugin }: Props) {
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [settings, setSettings] = useState<AppSettings>({ ...jsonData, executeRole: executeRoleOf(jsonData) });
  const [secrets, setSecrets] = useState<AppSecrets>({});
  const [reset, setReset] = useState<Partial<Record<SecretKey, boolean>>>({});
  const [error, setError] = useState<string>();

  const secretProps = (key: SecretKey) => ({
    isConfigured: Boolean(secureJsonFields?.[key]) && !reset[key],
    value: secrets[key] ?? '',
    onChange: (value: string) => setSecrets({ ...secrets, [key]: value }),
    onReset: () => {
      setReset({ ...reset, [key]: true });
      setSecrets({ ...secrets, [key]: '' });
    },
  });

  const save = async (nextEnabled: boolean) => {
    try {
      await lastValueFrom(
        getBackendSrv().fetch({
          url: `/api/plugins/${APP_ID}/settings`,
          method: 'POST',
          data: settingsBody(nextEnabled, Boolean(pinned), settings, secrets),
        })
      );
      window.location.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Saving the settings failed');
    }
  };

  return (
    <Stack direction="column" gap={2}>
      <Text color="secondary">
        The app reads plans, runs and sources through Grafana&apos;s proxy, which adds the tokens below: they never
        reach a browser. Executing a cleanup or forcing a refresh goes through routes that Grafana allows only to the
        role chosen here.
      </Text>
      <Field
        label="Sidecar URL"
        description="How the Grafana server reaches the sidecar, e.g. http://sidecar:8080."
        required
      >
        <Input
          id="ecr-lens-app-sidecar-url"
          aria-label="Sidecar URL"
          width={60}
          value={settings.sidecarUrl ?? ''}
          onChange={(e) => setSettings({ ...settings, sidecarUrl: e.currentTarget.value })}
        />
      </Field>
      <SecretField
        label="API token"
        description="The sidecar's SIDECAR_API_TOKEN."
        id="ecr-lens-app-api-token"
        {...secretProps('apiToken')}
      />
      <SecretField
        label="Admin token"
        description="The sidecar's SIDECAR_ADMIN_TOKEN: Grafana adds it to executions only. Empty: nobody can execute from Grafana."
        id="ecr-lens-app-admin-token"
        {...secretProps('adminToken')}
      />
      <Field label="Who may execute" description="Grafana enforces it on the execute and refresh routes (reqRole).">
        <RadioButtonGroup
          aria-label="Who may execute"
          options={EXECUTE_ROLES.map((r) => ({ label: r === 'Admin' ? 'Admins' : 'Editors and Admins', value: r }))}
          value={settings.executeRole}
          onChange={(role) => setSettings({ ...settings, executeRole: role })}
        />
      </Field>
      {error && <Alert severity="error" title={error} />}
      <Stack direction="row" gap={1}>
        <Button onClick={() => save(true)}>{enabled ? 'Save settings' : 'Enable and save'}</Button>
        {enabled && (
          <Button variant="destructive" fill="outline" onClick={() => save(false)}>
            Disable
          </Button>
        )}
      </Stack>
    </Stack>
  );
}
