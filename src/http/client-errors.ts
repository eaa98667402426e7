import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Requests Node rejects before Hono sees them (oversized or malformed headers) still get a
 * problem+json answer, so every refusal looks the same to a sender.
 */
export function answerClientErrorsWithProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const oversized = error.code === 'HPE_HEADER_OVERFLOW';
    const status = oversized ? 431 : 400;
    const body = JSON.stringify({
      type: `https://hookflow.dev/problems/${oversized ? 'headers-too-large' : 'malformed-request'}`,
      title: oversized ? 'Request header fields too large' : 'Malformed request',
      status,
      detail: oversized ? 'The request headers exceed the server limit.' : 'The request could not be parsed as HTTP.',
      traceId: 'none',
    });
    socket.end(
      `HTTP/1.1 ${status} ${oversized ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `content-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
