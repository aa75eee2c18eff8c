import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/**
 * Has the Node server `node` take connections on the socket `path` too, beside its loopback port:
 * HAProxy sends it there the requests whose bodies it splices (the config's upload backend). One a
 * crash left is replaced. It stops listening when `node` closes, whose connections these become.
 */
export async function listenForUploads(node: Server, path: string): Promise<void> {
  rmSync(path, { force: true });
  const listener = createServer((socket) => node.emit('connection', socket));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(path, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  node.once('close', () => listener.close());
}
