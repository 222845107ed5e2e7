import { dateTime, formattedValueToString, getValueFormat } from '@grafana/data';

const bytesFormat = getValueFormat('bytes');

export const formatBytes = (n: number | null | undefined): string =>
  n === null || n === undefined ? 'unknown' : formattedValueToString(bytesFormat(n, 1));

export const formatUsd = (n: number | null | undefined): string =>
  n === null || n === undefined ? 'unknown' : `$${n.toFixed(2)}`;

export const formatTime = (iso: string | null | undefined): string =>
  iso ? dateTime(iso).format('YYYY-MM-DD HH:mm:ss') : '—';

export const shortDigest = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);
