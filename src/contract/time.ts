/** How the CLI's tables show a time (README.md, "Commands"): UTC, `2024-07-05T08:41:49+0000`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

export function nowIso(): string {
  return new Date().toISOString();
}
