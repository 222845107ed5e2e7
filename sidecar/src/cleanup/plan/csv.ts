/** The seed script's to_delete.csv: one row per image to delete (repository, digest, tags). */
import { stringify } from 'csv-stringify/sync';
import type { Snapshot } from '../../snapshot/model.js';
import type { ImagePlan } from './planner.js';

export const TO_DELETE_COLUMNS = ['repository', 'digest', 'tags'] as const;

/** Tags are joined with spaces (a tag never contains one). */
export function toDeleteCsv(snapshot: Snapshot, rows: readonly ImagePlan[]): string {
  const records: string[][] = [];
  for (const row of rows) {
    if (row.decision !== 'delete') continue;
    const repository = snapshot.repositoryById.get(row.image.repositoryId);
    records.push([repository?.name ?? row.image.repositoryId, row.image.digest, row.image.tags.join(' ')]);
  }
  return stringify(records, { header: true, columns: [...TO_DELETE_COLUMNS] });
}
