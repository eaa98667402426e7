// The soak's per-minute table: one row a minute of ingest and one after the drain, printed as they come.

export interface MinuteRow {
  /** Minutes since ingest started, or `end` for the row taken after the drain. */
  minute: number | 'end';
  sent: number;
  accepted: number;
  duplicateAcks: number;
  refused: number;
  delivered: number;
  pending: number;
  redelivered: number;
  failuresInjected: number;
  apiRssMb: number | undefined;
  workerRssMb: number | undefined;
  /** The machine's 1-minute load average. */
  load1: number | undefined;
}

const HEADER: Record<keyof MinuteRow, string> = {
  minute: 'minute',
  sent: 'sent',
  accepted: 'accepted',
  duplicateAcks: 'dup-acks',
  refused: 'refused',
  delivered: 'delivered',
  pending: 'pending',
  redelivered: 'redeliv.',
  failuresInjected: 'failures',
  apiRssMb: 'api MB',
  workerRssMb: 'worker MB',
  load1: 'load',
};

/** Prints a row (or the header, when none is given) as right-aligned columns. */
export function printRow(say: (line: string) => void, row: MinuteRow | Record<keyof MinuteRow, string> = HEADER) {
  const cells = [
    row.minute,
    row.sent,
    row.accepted,
    row.duplicateAcks,
    row.refused,
    row.delivered,
    row.pending,
    row.redelivered,
    row.failuresInjected,
    row.apiRssMb ?? '-',
    row.workerRssMb ?? '-',
    row.load1 ?? '-',
  ];
  say(cells.map((c, i) => String(c).padStart(i === 0 ? 6 : 10)).join(' '));
}

/** The table so far, which prints each row as it is added. */
export function minuteTable(say: (line: string) => void) {
  const rows: MinuteRow[] = [];
  return {
    rows,
    add(row: MinuteRow) {
      rows.push(row);
      printRow(say, row);
    },
  };
}
