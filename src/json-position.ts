// Where a JSON.parse failure is, as line and column, for a message that names the spot in sinch.json.

/** Line and column (1-based) of a JSON.parse failure, found by bisecting for the shortest prefix that cannot grow. */
export function jsonErrorPosition(text: string, message: string): { line: number; column: number } {
  const stated = / at position (\d+)/.exec(message);
  let offset = stated ? Number(stated[1]) : text.length;
  if (!stated && !/Unexpected end of JSON input/.test(message)) {
    // Node 20 omits the position for some tokens; a prefix that fails only "at its end" could still be valid JSON.
    let lo = 1;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (failsBeforeEnd(text.slice(0, mid))) hi = mid;
      else lo = mid + 1;
    }
    offset = lo - 1;
  }
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function failsBeforeEnd(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = (error as Error).message;
    if (/Unexpected end of JSON input/.test(message)) return false;
    const at = / at position (\d+)/.exec(message);
    return at ? Number(at[1]) < prefix.length : true;
  }
}
