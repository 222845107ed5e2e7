import type { EcrQuery } from '../../types';

/** Queries the help offers to click; test/browser/examples.test.ts checks each against the sidecar's schema. */
export const EXAMPLES: Array<{ title: string; query: Omit<EcrQuery, 'refId'> }> = [
  {
    title: 'Most expensive repositories',
    query: { queryType: 'cost', filters: {}, sort: { field: 'monthlyCostUsd', order: 'desc' }, limit: 20 },
  },
  {
    title: 'Critical images still in use',
    query: { queryType: 'images', filters: { minSeverity: 'CRITICAL', inUse: true } },
  },
  {
    title: 'Untagged images not pulled for 30 days',
    query: { queryType: 'images', filters: { untagged: true, notPulledForDays: 30 } },
  },
  {
    title: 'Images of the selected repositories',
    query: { queryType: 'images', filters: { repository: '$repository' } },
  },
];
