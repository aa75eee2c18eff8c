import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/server/free-port';
import { waitFor } from './wait';

/**
 * Another registry on loopback: Debian's `docker-registry` (the CNCF distribution registry), with
 * htpasswd auth when users are given. CI installs it with `apt-get install -y docker-registry
 * apache2-utils`; it runs from its own config file, no systemd.
 */
export const DOCKER_REGISTRY_MISSING = ['docker-registry', 'htpasswd', 'skopeo'].some((tool) => spawnSync('which', [tool]).status !== 0)
  ? 'docker-registry, htpasswd or skopeo is not installed (apt-get install -y docker-registry apache2-utils skopeo)'
  : false;

export interface DockerRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  stop(): Promise<void>;
}

export async function startDockerRegistry(users: Record<string, string> = {}): Promise<DockerRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'everai-docker-registry-'));
  const port = await freePort();
  const htpasswd = join(dir, 'htpasswd');
  for (const [user, password] of Object.entries(users)) {
    // distribution accepts bcrypt entries only.
    const made = spawnSync('htpasswd', ['-Bb', ...(Object.keys(users)[0] === user ? ['-c'] : []), htpasswd, user, password]);
    if (made.status !== 0) throw new Error(`htpasswd failed: ${made.stderr.toString()}`);
  }
  const auth = Object.keys(users).length > 0 ? `auth:\n  htpasswd:\n    realm: everai-test\n    path: ${htpasswd}\n` : '';
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const host = `127.0.0.1:${port}`;
  await waitFor(`docker-registry on ${host}${output ? `: ${output}` : ''}`, async () => {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${output}`);
    const res = await fetch(`http://${host}/v2/`);
    return res.status === 200 || res.status === 401;
  });
  return {
    host,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** skopeo copy, plain HTTP both ways; `from`/`to` are transport references (`oci:DIR:TAG`, `docker://HOST/NAME:TAG`). */
export function skopeoCopy(from: string, to: string, creds: { src?: string; dest?: string } = {}): Promise<void> {
  const args = ['--insecure-policy', 'copy', '--src-tls-verify=false', '--dest-tls-verify=false'];
  if (creds.src) args.push('--src-creds', creds.src);
  if (creds.dest) args.push('--dest-creds', creds.dest);
  return new Promise((resolve, reject) => {
    execFile('skopeo', [...args, from, to], { timeout: 60_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`skopeo copy ${from} ${to} failed: ${stderr}`)) : resolve(),
    );
  });
}
