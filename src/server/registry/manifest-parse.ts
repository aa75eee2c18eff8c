import { IMAGE_MANIFEST_TYPES, INDEX_MANIFEST_TYPES, type ImageIndex, type ImageManifest } from '../../contract/oci';
import { imageIndexSchema, imageManifestSchema } from '../../contract/oci-schemas';
import { RegistryError } from './registry-errors';

export type ParsedManifest =
  | { kind: 'image'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };

function invalid(message: string): RegistryError {
  return new RegistryError('MANIFEST_INVALID', message);
}

function firstIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join('.') || 'manifest'}: ${issue.message}` : 'wrong shape';
}

/**
 * Reads an image manifest or an index. Its media type is the body's `mediaType`, else the
 * Content-Type it came with; the two must agree when both are there (image spec, "Image
 * Manifest": mediaType "MUST" match the descriptor that points at it).
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('the manifest is not valid JSON');
  }
  const declared = (json as { mediaType?: unknown } | null)?.mediaType;
  const header = contentType?.split(';', 1)[0]?.trim().toLowerCase() || undefined;
  if (declared !== undefined && typeof declared !== 'string') throw invalid('the manifest mediaType is not a string');
  if (declared !== undefined && header !== undefined && header !== declared) {
    throw invalid(`the manifest says mediaType ${declared} but came as ${header}`);
  }
  const mediaType = declared ?? header;
  if (mediaType !== undefined && IMAGE_MANIFEST_TYPES.includes(mediaType)) {
    const parsed = imageManifestSchema.safeParse(json);
    if (!parsed.success) throw invalid(`not a valid image manifest: ${firstIssue(parsed.error)}`);
    return { kind: 'image', mediaType, manifest: parsed.data };
  }
  if (mediaType !== undefined && INDEX_MANIFEST_TYPES.includes(mediaType)) {
    const parsed = imageIndexSchema.safeParse(json);
    if (!parsed.success) throw invalid(`not a valid image index: ${firstIssue(parsed.error)}`);
    return { kind: 'index', mediaType, index: parsed.data };
  }
  throw invalid(
    mediaType === undefined
      ? 'the manifest has no mediaType and came without a Content-Type'
      : `manifests of type ${mediaType} are not supported (use ${[...IMAGE_MANIFEST_TYPES, ...INDEX_MANIFEST_TYPES].join(', ')})`,
  );
}
