import { App } from '../app';
import { context } from '../context';
import { Image } from '../image';
import { Service } from '../service';
import * as sdk from '../index';

/**
 * Turns "X.y is not a function" into what a TypeScript user would have been told by the compiler:
 * which SDK type lacks `y`, and the member they probably meant. The receiver's type is guessed from
 * its name (`app.service` → Service, `myApp` → App), since by the time the error is seen the
 * object itself is gone; an unknown name gets no hint rather than a wrong one.
 */
interface SdkType {
  label: string;
  /** Matched against the end of the receiver's last name, ignoring case. */
  suffix: string;
  members: () => string[];
}

function publicMembers(value: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = value; o && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) names.add(name);
  }
  names.delete('constructor');
  // What every function has is no member of the class whose statics are asked for.
  if (typeof value === 'function') for (const name of ['length', 'name', 'prototype']) names.delete(name);
  return [...names];
}

const SDK_TYPES: SdkType[] = [
  { label: 'App', suffix: 'app', members: () => publicMembers(new App('sample')) },
  { label: 'Service', suffix: 'service', members: () => publicMembers(new Service()) },
  { label: 'Context', suffix: 'context', members: () => publicMembers(context) },
  { label: 'typeof Image', suffix: 'Image', members: () => publicMembers(Image) },
];

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The closest candidate within a typo's reach (case differences count as near), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = name.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, name);
    if (distance <= Math.min(2, Math.max(1, Math.floor(word.length / 3))) && (!best || distance < best.distance)) {
      best = { name, distance };
    }
  }
  return best?.name;
}

function typeOf(receiverName: string): SdkType | undefined {
  return SDK_TYPES.find((t) =>
    t.suffix === 'Image' ? receiverName === 'Image' : receiverName.toLowerCase().endsWith(t.suffix),
  );
}

/** `app.service`, `rout` → "'Service' has no member 'rout' (did you mean 'route'?)". */
export function missingMemberHint(receiver: string, member: string): string | undefined {
  const receiverName = receiver.split('.').pop()?.trim() ?? '';
  const type = typeOf(receiverName);
  if (!type) return undefined;
  const members = type.members();
  if (members.includes(member)) return undefined;
  const suggestion = closest(member, members);
  return `'${type.label}' has no member '${member}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`;
}

/** For `import { Apps } from 'everai'`: the export the user probably meant. */
export function missingExportHint(name: string): string | undefined {
  const suggestion = closest(name, Object.keys(sdk));
  return suggestion ? `did you mean '${suggestion}'?` : undefined;
}
