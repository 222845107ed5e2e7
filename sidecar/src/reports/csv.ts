import { Readable } from 'node:stream';
import { stringify as stringifyStream } from 'csv-stringify';
import type { Options } from 'csv-stringify';
import { stringify } from 'csv-stringify/sync';

export type DecimalSeparator = '.' | ',';

/**
 * CSV text with a header row. With the decimal separator ',' (European spreadsheets) numbers are written
 * with a comma and fields are separated by ';', as such spreadsheets expect. Quoting of commas,
 * quotes and newlines is csv-stringify's. Empty cells mean "unknown".
 */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[], decimalSeparator: DecimalSeparator = '.'): string {
  return stringify(rows as Record<string, unknown>[], csvOptions(columns, decimalSeparator));
}

/**
 * The same CSV as toCsv, as a stream: rows are pulled from the iterable as the reader consumes them
 * (backpressure), so a million-image report never exists as one string or one array of rows.
 */
export function csvStream(columns: readonly string[], rows: Iterable<Record<string, unknown>>, decimalSeparator: DecimalSeparator = '.'): Readable {
  const source = Readable.from(rows, { objectMode: true });
  const csv = stringifyStream(csvOptions(columns, decimalSeparator));
  source.on('error', (error) => csv.destroy(error));
  csv.on('close', () => source.destroy());
  return source.pipe(csv);
}

function csvOptions(columns: readonly string[], decimalSeparator: DecimalSeparator): Options {
  return {
    header: true,
    columns: [...columns],
    delimiter: decimalSeparator === ',' ? ';' : ',',
    cast: {
      number: (value) => (decimalSeparator === ',' ? String(value).replace('.', ',') : String(value)),
      boolean: (value) => (value ? 'true' : 'false'),
    },
  };
}
