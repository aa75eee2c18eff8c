/**
 * The spawn helper's program (spawn-helper.ts): a small process that starts programs for the
 * server on a worker's start path (conmon, `ip`). A fork costs in proportion to the memory of the
 * process that forks, so the server (a hundred MB and more) would block its event loop 10–20 ms
 * on each; this one, a few MB of heap, forks in about one. It ends when the server goes (its
 * channel closes).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { DetachedRequest, HelperReply, HelperRequest, RunRequest } from './spawn-helper';

function reply(message: HelperReply): void {
  process.send?.(message);
}

/** What the program writes on fd 3 up to its first newline, or until it closes it: '' if it could not start. */
function firstLine(sync: Readable, child: NodeJS.EventEmitter): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      sync.destroy();
      resolve(text);
    };
    child.once('error', done);
    sync.once('error', done);
    sync.once('end', done);
    sync.on('data', (chunk) => {
      text += String(chunk);
      if (text.includes('\n')) done();
    });
  });
}

function startDetached(request: DetachedRequest): void {
  let output: number;
  try {
    output = openSync(request.output, 'a');
  } catch (error) {
    reply({ id: request.id, syncLine: '', code: null, stderr: (error as Error).message });
    return;
  }
  try {
    const child = spawn(request.file, request.args, { cwd: request.cwd, env: request.env, detached: true, stdio: ['ignore', output, output, 'pipe'] });
    void firstLine(child.stdio[3] as Readable, child).then((syncLine) => reply({ id: request.id, syncLine, code: null, stderr: '' }));
  } finally {
    closeSync(output);
  }
}

function run(request: RunRequest): void {
  const child = spawn(request.file, request.args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.once('error', (error) => reply({ id: request.id, syncLine: '', code: null, stderr: error.message }));
  child.once('close', (code) => reply({ id: request.id, syncLine: '', code, stderr }));
  // A program that exits without reading all of it closes the pipe: its exit status says what happened.
  child.stdin.on('error', () => undefined);
  child.stdin.end(request.input);
}

process.on('message', (request: HelperRequest) => {
  if (request.kind === 'detached') startDetached(request);
  else run(request);
});
process.on('disconnect', () => process.exit(0));
