/**
 * `$(NAME)` in a command or argument becomes NAME's value, as Kubernetes expands them: a name
 * that is not set stays as written, and `$$` escapes (`$$(PORT)` is the text `$(PORT)`).
 */
export function expandVars(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$';
    return env[name] ?? match;
  });
}
