import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { problemHeaders, problems } from './problem.js';

/**
 * Requests Node rejects before Hono sees them (oversized or malformed headers) still get a
 * problem+json answer, so every refusal looks the same to a sender.
 */
export function answerClientErrorsWithProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const oversized = error.code === 'HPE_HEADER_OVERFLOW';
    const problem = oversized ? problems.headersTooLarge() : problems.malformedRequest();
    const body = JSON.stringify(problem.body('none'));
    const headers = {
      ...problemHeaders(problem),
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    };
    socket.end(
      `HTTP/1.1 ${problem.status} ${oversized ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        `\r\n${body}`,
    );
  });
}
