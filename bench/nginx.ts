import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/server/free-port';

export interface NginxProxy {
  url: string;
  /** nginx's master process (its worker is its child). */
  pid: number;
  /** Stops nginx and removes its folder. */
  stop(): Promise<void>;
}

/**
 * The reference reverse proxy the gateway is measured against: keep-alive to the worker and
 * streamed answers (`proxy_buffering off`), as the gateway does, so the two do the same work.
 * One worker process, because the gateway is one Node event loop. Every path nginx writes is in
 * `dir`, so it needs no system folder and leaves nothing behind.
 */
function nginxConfig(options: { dir: string; listenPort: number; upstreamPort: number; runAsRoot: boolean }): string {
  const { dir } = options;
  // Run by root, nginx's worker would drop to `nobody`, who cannot enter the 0700 temp folder.
  const user = options.runAsRoot ? 'user root;' : '';
  return `${user}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream w {
    server 127.0.0.1:${options.upstreamPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${options.listenPort};
    location / {
      proxy_pass http://w;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts nginx in the foreground as this process's child, proxying to 127.0.0.1:upstreamPort. */
export async function startNginxProxy(nginx: string, upstreamPort: number): Promise<NginxProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'everai-bench-nginx-'));
  const listenPort = await freePort();
  const configFile = join(dir, 'nginx.conf');
  writeFileSync(configFile, nginxConfig({ dir, listenPort, upstreamPort, runAsRoot: process.getuid?.() === 0 }));
  // -p: the prefix for relative paths; -e: the log nginx writes before it has read the config,
  // which would otherwise be the system's /var/log/nginx/error.log.
  const child = spawn(nginx, ['-p', dir, '-c', configFile, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));

  const stop = async () => {
    // SIGTERM is nginx's fast shutdown: the master stops its worker and then exits itself.
    if (!exited(child)) child.kill('SIGTERM');
    if (!(await waitExit(child, 5_000))) {
      child.kill('SIGKILL');
      await waitExit(child, 5_000);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (!(await accepts(listenPort))) {
    if (exited(child) || Date.now() > deadline) {
      let log = '';
      try {
        log = readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        // nginx may fail before it opens its log; stderr then says why.
      }
      await stop();
      throw new Error(`nginx did not start listening on 127.0.0.1:${listenPort}:\n${stderr}${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${listenPort}`, pid: child.pid ?? 0, stop };
}
