const firstLine = (text: string) => text.trim().split('\n')[0]!.trim();

/**
 * One line for a failed `npm start`: the error's first line, then the innermost cause's first line
 * (the ECONNREFUSED under a failed query) when it says something the first does not.
 */
export function describeStartupFailure(error: unknown): string {
  if (!(error instanceof Error)) return firstLine(String(error));
  let root: unknown = error;
  while (root instanceof Error && root.cause !== undefined) root = root.cause;
  const summary = firstLine(error.message) || error.name;
  const detail = root === error ? '' : firstLine(root instanceof Error ? root.message : String(root));
  return detail && !summary.includes(detail) ? `${summary}: ${detail}` : summary;
}
