import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** The app's tables: Grafana's colours and spacing, rows that stay readable when a reason runs long. */
export const tableStyles = (theme: GrafanaTheme2) => ({
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    'th, td': {
      textAlign: 'left',
      verticalAlign: 'top',
      padding: theme.spacing(0.5, 1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
    },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  reasons: css({ margin: 0, paddingLeft: theme.spacing(2) }),
});
