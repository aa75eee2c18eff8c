import type { Server } from 'node:net';
import { EveraiError } from '../contract/errors';

/**
 * Listens on HOST:PORT, with what to do about it when the port cannot be had: the one place the
 * server binds a public port, whether it serves it itself or hands the socket to HAProxy.
 */
export function listen(server: Server, port: number, host: string, backlog?: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (error.code === 'EADDRINUSE') reject(new EveraiError('EVERAI_USAGE', `${where} is already in use (is another everai server running?); pick another with --listen`, { cause: error }));
      else if (error.code === 'EACCES') reject(new EveraiError('EVERAI_USAGE', `not allowed to listen on ${where}; pick a port above 1023 with --listen`, { cause: error }));
      else if (error.code === 'EADDRNOTAVAIL') reject(new EveraiError('EVERAI_USAGE', `${host} is not an address of this machine; fix --listen`, { cause: error }));
      else reject(error);
    });
    server.listen({ port, host, ...(backlog === undefined ? {} : { backlog }) }, resolve);
  });
}
