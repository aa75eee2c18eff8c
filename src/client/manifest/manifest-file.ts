import { promises as fs } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { EveraiError } from '../../contract/errors';
import { manifestSchema, type Manifest } from './manifest-schema';

export type FieldPath = readonly (string | number)[];

/**
 * An `app.yaml` as read: the validated manifest, and where each of its fields is in the file, so
 * that every error (of the YAML, of the schema, or found later while converting it) names the
 * file, the line and the field: `app.yaml:12: spec.port: ...`.
 */
export class ManifestFile {
  private constructor(
    private readonly where: FieldLocator,
    readonly manifest: Manifest,
  ) {}

  static async read(file: string): Promise<ManifestFile> {
    const shown = isAbsolute(file) ? relative(process.cwd(), file) || file : file;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new EveraiError('EVERAI_APP_INVALID', `${shown}: ${why}`);
    }
    return ManifestFile.parse(shown, text);
  }

  static parse(shownName: string, text: string): ManifestFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const yamlError = doc.errors[0];
    if (yamlError) {
      const line = lines.linePos(yamlError.pos[0]).line;
      const message = yamlError.message.split('\n')[0] ?? 'not valid YAML';
      throw new EveraiError('EVERAI_APP_INVALID', `${shownName}:${line}: not valid YAML: ${message}`);
    }
    const where = new FieldLocator(shownName, doc, lines);
    const result = manifestSchema.safeParse(doc.toJS());
    if (!result.success) {
      const issue = result.error.issues[0];
      if (!issue) throw where.errorAt([], 'is not a valid manifest');
      // An unknown key is reported at the key itself, not at the object holding it.
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
      const message = issue.code === 'unrecognized_keys' ? 'is not a field of the manifest (see docs/manifest.md)' : issue.message;
      throw where.errorAt(path.filter((p): p is string | number => typeof p !== 'symbol'), message);
    }
    return new ManifestFile(where, result.data);
  }

  get shownName(): string {
    return this.where.shownName;
  }

  /** An error naming the file, the line of `path` (or of the nearest field above it that is there) and the field. */
  errorAt(path: FieldPath, message: string): EveraiError {
    return this.where.errorAt(path, message);
  }
}

class FieldLocator {
  constructor(
    readonly shownName: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  errorAt(path: FieldPath, message: string): EveraiError {
    return new EveraiError('EVERAI_APP_INVALID', `${this.shownName}:${this.lineOf(path)}: ${fieldName(path)}: ${message}`);
  }

  /** The line of the field's key (or list item); for a field that is not there, of the nearest one above it. */
  private lineOf(path: FieldPath): number {
    for (let length = path.length; length > 0; length--) {
      const parent = this.doc.getIn(path.slice(0, length - 1), true);
      const last = path[length - 1];
      let node: unknown;
      if (isMap(parent)) node = parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key;
      else if (isSeq(parent) && typeof last === 'number') node = parent.items[last];
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return 1;
  }
}

/** `spec.volumes[1].secret.secretName`. */
export function fieldName(path: FieldPath): string {
  if (path.length === 0) return '(document)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${part}`)).join('');
}
