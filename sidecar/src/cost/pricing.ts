/** Storage prices. ECR bills storage per GB-month, where a GB is 1024^3 bytes (a GiB), as AWS billing does. */

export const GIB = 1024 ** 3;
export const DEFAULT_USD_PER_GB_MONTH = 0.1;

export interface PriceTable {
  /** USD per GB-month where no region override applies. */
  readonly defaultUsdPerGbMonth: number;
  /** Per-region overrides, e.g. `{ 'sa-east-1': 0.12 }`. */
  readonly byRegion?: Readonly<Record<string, number>>;
}

export const DEFAULT_PRICES: PriceTable = { defaultUsdPerGbMonth: DEFAULT_USD_PER_GB_MONTH };

export const priceFor = (table: PriceTable, region: string): number =>
  table.byRegion?.[region] ?? table.defaultUsdPerGbMonth;

/** Monthly cost of `bytes` at `usdPerGbMonth`, rounded to a millionth of a dollar to keep float noise out of frames. */
export const monthlyCostUsd = (bytes: number, usdPerGbMonth: number): number =>
  Math.round((bytes / GIB) * usdPerGbMonth * 1e6) / 1e6;
