/**
 * The last lines an in-process stack logged, kept in memory and printed only when a test fails
 * (failure-report.ts): the suite's output stays quiet, and a red run still shows what the API and
 * the worker said just before.
 */
export class LogTail {
  private readonly lines: string[] = [];

  constructor(private readonly keep = 80) {}

  /** The pino destination: one JSON line per call. */
  write(line: string): void {
    this.lines.push(line.trimEnd());
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** The last `bytes` of a file, or a note that it cannot be read. */
export async function fileTail(path: string, bytes = 4_000): Promise<string> {
  const { open } = await import('node:fs/promises');
  try {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      const length = Math.min(size, bytes);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      return buffer.toString('utf8') || '(nothing logged)';
    } finally {
      await file.close();
    }
  } catch (error) {
    return `(${path}: ${(error as Error).message})`;
  }
}
