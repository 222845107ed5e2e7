/**
 * Lists joined into one, in order. Pushed one by one, a million items took 0.1–0.4 s in one turn (the list grown
 * about 35 times); concat copies each once. Lists go to concat a few thousand at a time (a call takes a bounded
 * number of arguments, and a registry can hold 100,000 repositories), and the groups are joined once at the end:
 * joining each group onto the result so far would copy it again per group.
 */
const LISTS_PER_CALL = 4096;

export function concatLists<T>(lists: readonly (readonly T[])[]): T[] {
  if (lists.length <= LISTS_PER_CALL) return ([] as T[]).concat(...lists);
  const groups: T[][] = [];
  for (let from = 0; from < lists.length; from += LISTS_PER_CALL) groups.push(([] as T[]).concat(...lists.slice(from, from + LISTS_PER_CALL)));
  return concatLists(groups);
}
