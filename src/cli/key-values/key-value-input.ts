import { readFileSync } from 'node:fs';
import type { Node } from 'yaml';
import { isBase64 } from '../../contract/base64';
import { EveraiError } from '../../contract/errors';
import type { KeyValueKind } from '../../contract/key-value-view';

type Items = Record<string, string>;

function usage(message: string): EveraiError {
  return new EveraiError('EVERAI_USAGE', message);
}

/** `--from-literal KEY=VALUE`, repeated; a secret's values are sent in base64. */
export function itemsFromLiterals(kind: KeyValueKind, literals: readonly string[]): Items {
  const items: Items = {};
  for (const literal of literals) {
    const at = literal.indexOf('=');
    if (at <= 0) throw usage(`--from-literal wants KEY=VALUE, got '${literal}'`);
    const key = literal.slice(0, at);
    if (key in items) throw usage(`--from-literal gives key '${key}' twice`);
    const value = literal.slice(at + 1);
    items[key] = kind === 'Secret' ? Buffer.from(value, 'utf8').toString('base64') : value;
  }
  return items;
}

/**
 * `--from-file FILE.yaml`: a mapping `KEY: value`, or a Kubernetes-style document whose `data:`
 * is that mapping (its other fields are ignored). A secret's values are base64 (line breaks
 * allowed, as YAML folds long ones); a configmap's are plain, numbers and booleans taken as text.
 * Errors name the file and line.
 */
export function itemsFromFile(kind: KeyValueKind, file: string): Items {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw usage(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // Loaded here: the YAML parser took 30 ms of every secret and configmap command's start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { isMap, isScalar, LineCounter, parseDocument } = require('yaml') as typeof import('yaml');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => `${file}:${lines.linePos(offset ?? 0).line}`;
  const [error] = doc.errors;
  if (error) throw usage(`${at(error.pos[0])}: ${error.message} (not valid YAML)`);

  let map: unknown = doc.contents;
  const data = isMap(map) ? map.get('data', true) : undefined;
  if (isMap(data)) map = data;
  if (!isMap(map)) throw usage(`${file}: must be a mapping of KEY: value (or a Kubernetes-style document with data:)`);

  const items: Items = {};
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const node = pair.value as Node | null;
    const where = at((node ?? (pair.key as Node | null))?.range?.[0]);
    const value = isScalar(node) ? node.value : undefined;
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw usage(`${where}: the value of key '${key}' must be a ${kind === 'Secret' ? 'base64 string' : 'string'}`);
    }
    if (kind === 'Secret') {
      const base64 = String(value).replace(/\s+/g, '');
      if (typeof value !== 'string' || !isBase64(base64)) throw usage(`${where}: the value of key '${key}' is not valid base64`);
      items[key] = base64;
    } else {
      items[key] = String(value);
    }
  }
  return items;
}

/** The items a create or update sends: from literals or from a file, exactly one of them. */
export function itemsFromOptions(kind: KeyValueKind, opts: { fromLiteral: string[]; fromFile?: string }): Items {
  if (opts.fromFile !== undefined) {
    if (opts.fromLiteral.length > 0) throw usage('--from-literal and --from-file cannot be combined');
    return itemsFromFile(kind, opts.fromFile);
  }
  if (opts.fromLiteral.length === 0) throw usage('give the items with --from-literal KEY=VALUE (repeatable) or --from-file FILE.yaml');
  return itemsFromLiterals(kind, opts.fromLiteral);
}

