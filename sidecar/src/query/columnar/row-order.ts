/** Ordering rows of the columnar index by a numeric key: nulls (NaN) last, ties by row, and top-k pages. */

/** Compares two rows by key: nulls (NaN) last in both orders, ties by row ascending. */
export function rowComparator(key: (row: number) => number, sign: number): (a: number, b: number) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === y) return a - b;
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    if (xn || yn) return xn && yn ? a - b : xn ? 1 : -1;
    return (x < y ? -1 : 1) * sign;
  };
}

/**
 * Rows [offset, k) of `rows` ordered by `key` (NaN last, ties by row): a bounded heap when the page is
 * near the top (each row's key is read once and compared with the worst kept key), else a sort.
 */
export function pageBy(rows: Int32Array, key: (row: number) => number, sign: number, offset: number, k: number): number[] {
  const cmp = rowComparator(key, sign);
  if (k * 4 >= rows.length) return Array.from(rows.sort(cmp).subarray(offset, k));
  // Max-heap of the k best rows: the root is the worst kept row. Keys: NaN stands last, so as +Infinity·sign.
  const heap = new Int32Array(k);
  const keys = new Float64Array(k);
  let size = 0;
  /** True when (x, a) sorts after (y, b). */
  const after = (x: number, a: number, y: number, b: number): boolean => {
    if (x === y) return a > b;
    if (Number.isNaN(x)) return !Number.isNaN(y) || a > b;
    if (Number.isNaN(y)) return false;
    return sign > 0 ? x > y : x < y;
  };
  const swap = (p: number, q: number): void => {
    const r = heap[p]!;
    heap[p] = heap[q]!;
    heap[q] = r;
    const v = keys[p]!;
    keys[p] = keys[q]!;
    keys[q] = v;
  };
  for (const row of rows) {
    const v = key(row);
    if (size < k) {
      let pos = size++;
      heap[pos] = row;
      keys[pos] = v;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (!after(keys[pos]!, heap[pos]!, keys[parent]!, heap[parent]!)) break;
        swap(pos, parent);
        pos = parent;
      }
    } else if (after(keys[0]!, heap[0]!, v, row)) {
      heap[0] = row;
      keys[0] = v;
      for (let pos = 0; ; ) {
        const l = 2 * pos + 1;
        const r = l + 1;
        let worst = pos;
        if (l < size && after(keys[l]!, heap[l]!, keys[worst]!, heap[worst]!)) worst = l;
        if (r < size && after(keys[r]!, heap[r]!, keys[worst]!, heap[worst]!)) worst = r;
        if (worst === pos) break;
        swap(pos, worst);
        pos = worst;
      }
    }
  }
  return Array.from(heap.subarray(0, size).sort(cmp).subarray(offset));
}
