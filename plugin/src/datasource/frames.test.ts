import type { DataFrame, Field } from '@grafana/data';

import { FIELD_TITLES, type FrameShape } from '@ecr-lens/contract';

import { toDataFrame } from './frames';
import { golden } from './testing/golden';

const frameOf = (shape: FrameShape): DataFrame => toDataFrame(golden(shape).frame, 'A', shape);
const field = (frame: DataFrame, name: string): Field => frame.fields.find((f) => f.name === name)!;

describe('frames as Grafana shows them', () => {
  it('titles every column for people and keeps the machine name', () => {
    const images = frameOf('images');
    for (const f of images.fields) {
      expect(f.config.displayName).toBe(FIELD_TITLES[f.name as keyof typeof FIELD_TITLES]);
    }
    expect(field(images, 'undefined').config.displayName).toBe('Undefined severity');
    expect(field(images, 'daysSinceLastPull').config.unit).toBe('suffix:days');
  });

  it('colours severities, decisions and scan states, and says Yes or No', () => {
    const findings = frameOf('findings');
    const severity = field(findings, 'severity');
    expect(severity.config.custom).toEqual({ cellOptions: { type: 'color-text' } });
    expect(severity.config.mappings?.[0]).toMatchObject({
      options: { CRITICAL: { color: 'dark-red' }, LOW: { color: 'yellow' } },
    });
    const cleanup = frameOf('cleanup');
    expect(field(cleanup, 'decision').config.mappings?.[0]).toMatchObject({
      options: { delete: { color: 'red' }, keep: { color: 'green' }, blocked: { color: 'orange' } },
    });
    expect(field(cleanup, 'inUse').config.mappings?.[0]).toMatchObject({
      options: { true: { text: 'Yes' }, false: { text: 'No' } },
    });
    expect(field(frameOf('images'), 'scanState').config.mappings?.[0]).toMatchObject({
      options: { FAILED: { color: 'red' } },
    });
  });

  it('paints bad counts from one up, and hides technical columns in tables', () => {
    const severity = frameOf('severity');
    expect(field(severity, 'critical').config.thresholds?.steps).toEqual([
      { value: -Infinity, color: 'text' },
      { value: 1, color: 'dark-red' },
    ]);
    expect(field(severity, 'low').config.thresholds).toBeUndefined();
    const images = frameOf('images');
    expect(field(images, 'uri').config.custom).toEqual({ hidden: true });
    expect(field(images, 'repository').config.custom).toBeUndefined();
    // Reasons are sentences: wrapped, not cut off.
    expect(field(frameOf('cleanup'), 'reasons').config.custom).toEqual({ wrapText: true });
    // Hidden is a table option: the values stay for links and transformations.
    expect(field(images, 'uri').values.length).toBe(images.length);
  });
});
