import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { volumeApiPath, type VolumeView } from '../../src/contract/volume-view';
import type { PushResult } from '../../src/client/volumes/volume-client';
import { runCli, type CliResult } from './cli';
import type { TestPlatform } from './platform';

/** Who runs a command: the admin by default, another user by token, with its own volume root. */
export interface As {
  token?: string;
  root?: string;
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function volumeCli(platform: TestPlatform, args: string[], as: As = {}): Promise<CliResult> {
  const env = { ...platform.env, ...(as.token ? { EVERAI_TOKEN: as.token } : {}), ...(as.root ? { EVERAI_VOLUME_ROOT: as.root } : {}) };
  return runCli(args, { env });
}

export async function volumeOk(platform: TestPlatform, args: string[], as: As = {}): Promise<string> {
  const result = await volumeCli(platform, args, as);
  assert.equal(result.code, 0, `everai ${args.join(' ')} failed (${result.code}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** The one line a failed command prints. */
export async function volumeFails(platform: TestPlatform, args: string[], as: As = {}): Promise<string> {
  const result = await volumeCli(platform, args, as);
  assert.notEqual(result.code, 0, `everai ${args.join(' ')} should have failed:\n${result.stdout}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  return lines[0] as string;
}

export async function volumeJson(platform: TestPlatform, name: string, as: As = {}): Promise<VolumeView & { path: string }> {
  return JSON.parse(await volumeOk(platform, ['volume', 'get', name, '-o', 'json'], as)) as VolumeView & { path: string };
}

export async function push(platform: TestPlatform, name: string, as: As = {}, extra: string[] = []): Promise<PushResult> {
  return JSON.parse(await volumeOk(platform, ['volume', 'push', name, '-o', 'json', ...extra], as)) as PushResult;
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** path -> content of every file under `dir`, for comparing two copies. */
export function readTree(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const abs = join(entry.parentPath, entry.name);
    tree[abs.slice(dir.length + 1)] = readFileSync(abs, 'latin1');
  }
  return tree;
}

/** The volume API spoken by hand, as `token`. */
export function volumeApi(platform: TestPlatform, token = platform.token) {
  return (method: string, ref: string, suffix = '', body?: string | Buffer | object): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let payload: BodyInit | undefined;
    if (typeof body === 'string') payload = body;
    else if (Buffer.isBuffer(body)) payload = new Uint8Array(body);
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const path = ref === '' ? '/api/volumes/v1/volumes' : volumeApiPath(ref, suffix);
    return fetch(`${platform.url}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  };
}

export async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...body.error };
}
