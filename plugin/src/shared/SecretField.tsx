import React from 'react';
import { Field, SecretInput } from '@grafana/ui';

export interface SecretFieldProps {
  label: string;
  description: string;
  id: string;
  isConfigured: boolean;
  value: string;
  onChange: (value: string) => void;
  onReset: () => void;
}

/** A secret Grafana stores encrypted: shown as "configured" once saved, never read back. */
export function SecretField({ label, description, id, isConfigured, value, onChange, onReset }: SecretFieldProps) {
  return (
    <Field label={label} description={description}>
      <SecretInput
        id={id}
        aria-label={label}
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
