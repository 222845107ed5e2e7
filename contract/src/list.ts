/**
 * Splits "a, b,{x,y}-*" into ["a", "b", "{x,y}-*"]: a comma inside glob braces belongs to the glob.
 * Grafana joins multi-value variables with commas, in panel targets and in query strings alike, so both
 * sides of the wire split them this one way. Items are trimmed; empty ones dropped; order and repeats kept.
 */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '{') depth++;
    if (char === '}' && depth > 0) depth--;
    if (char === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else current += char;
  }
  items.push(current);
  return items.map((item) => item.trim()).filter((item) => item !== '');
}
