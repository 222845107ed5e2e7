// react-router-dom 5 (Grafana's router, installed with @grafana/runtime) ships no types; the app host uses its Router only.
declare module 'react-router-dom' {
  import type { ComponentType, ReactNode } from 'react';
  export const Router: ComponentType<{ history: unknown; children?: ReactNode }>;
}
