/** Strict base64 (RFC 4648 §4), padding included: Node's decoder would silently skip bad characters. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isBase64(value: string): boolean {
  return BASE64.test(value);
}

/** A secret's items with their base64 values decoded to text: what apps read through `context.getSecret`. */
export function decodeValues(items: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(items).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}
