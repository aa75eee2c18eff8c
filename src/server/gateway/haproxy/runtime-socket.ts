import { connect } from 'node:net';

/**
 * Sends one command (or several, `;`-separated, or one with a `<<` payload) to HAProxy's runtime
 * API on its unix socket and resolves with what it answered; HAProxy closes the connection once done.
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`HAProxy's runtime API did not answer '${command.split('\n')[0]}' within ${timeoutMs} ms`)));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.once('error', reject);
    socket.once('close', () => resolve(answer));
    socket.end(command.endsWith('\n') ? command : `${command}\n`);
  });
}
