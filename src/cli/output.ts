/** Prints rows as an aligned table, or the raw value as JSON with --json. */
export function printRows(
  rows: Record<string, unknown>[],
  columns: string[],
  json: boolean,
  raw: unknown = rows,
): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(raw, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cell = (value: unknown) =>
    value === null || value === undefined ? '-' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const widths = columns.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.slice(0, 60).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => cell(row[c])))}\n`);
}

/** Prints one object as `key: value` lines, or JSON with --json. */
export function printObject(value: Record<string, unknown>, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    process.stdout.write(`${key}: ${v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
  }
}

/** A one-line progress bar on stderr (only when it is a terminal); `note` follows the count. */
export function progress(done: number, total: number, note = ''): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = total ? Math.min(width, Math.round((done / total) * width)) : width;
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${note}`);
  if (done >= total) process.stderr.write('\n');
}
