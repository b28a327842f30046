/** Where a keyset page starts: after the row with this sort value and id, for this sort. */
export interface Cursor {
  /** The sort it was issued for, as in the query string: `-createdAt`. */
  sort: string;
  /** The sort value of the last row (Dates as ISO strings). */
  value: string | number | null;
  id: number | string;
}

/** Opaque to clients: base64url of a small JSON array. Values are only ever bound as parameters. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.value, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): Cursor | undefined {
  if (text.length > 512 || !/^[\w-]+$/.test(text)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
    const [sort, value, id] = parsed as unknown[];
    if (typeof sort !== 'string' || !/^-?\w{1,64}$/.test(sort)) return undefined;
    if (value !== null && typeof value !== 'string' && typeof value !== 'number') return undefined;
    if (typeof id !== 'number' && typeof id !== 'string') return undefined;
    return { sort, value, id };
  } catch {
    return undefined;
  }
}
