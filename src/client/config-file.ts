import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { everaiHome, DEFAULT_LISTEN } from '../contract/everai-home';

/** What `everai login` remembers: $EVERAI_HOME/config.json, mode 0600 since it holds a token. */
export interface CliConfig {
  endpoint?: string;
  token?: string;
}

export function configPath(): string {
  return join(everaiHome(), 'config.json');
}

export function readCliConfig(): CliConfig {
  try {
    return JSON.parse(readFileSync(configPath(), 'utf8')) as CliConfig;
  } catch {
    return {};
  }
}

export function writeCliConfig(config: CliConfig): void {
  mkdirSync(everaiHome(), { recursive: true });
  writeFileSync(configPath(), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

export function clearCliConfig(): void {
  rmSync(configPath(), { force: true });
}

/** The token the CLI sends, and where it comes from: EVERAI_TOKEN wins over the login's. */
export function cliToken(): { token: string; from: 'EVERAI_TOKEN' | 'login' } | undefined {
  if (process.env.EVERAI_TOKEN) return { token: process.env.EVERAI_TOKEN, from: 'EVERAI_TOKEN' };
  const token = readCliConfig().token;
  return token ? { token, from: 'login' } : undefined;
}

/** EVERAI_ENDPOINT wins over the login's endpoint, which wins over the local default. */
export function endpoint(): string {
  return (process.env.EVERAI_ENDPOINT || readCliConfig().endpoint || `http://${DEFAULT_LISTEN}`).replace(/\/+$/, '');
}

export function volumeRoot(): string {
  return process.env.EVERAI_VOLUME_ROOT || join(everaiHome(), 'volumes');
}
