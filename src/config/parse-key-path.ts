import { HIVES, type Hive, hiveLongName } from '../model/hive.js';
import { splitKeyPath } from '../model/key-ref.js';
import { suggestName } from './did-you-mean.js';

/** Longest key name the registry allows, in characters. */
export const MAX_KEY_NAME = 255;

const CONTROL = /[\u0000-\u001f\u007f]/;

// key paths are shown as written (no JSON escaping of backslashes), except control characters
function shorten(text: string): string {
  const cut = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return CONTROL.test(cut) ? JSON.stringify(cut) : `"${cut}"`;
}

function listHives(): string {
  return `${HIVES.join(', ')} (or ${HIVES.map(hiveLongName).join(', ')})`;
}

function hiveProblem(text: string, head: string): string {
  if (head === '') return `key path ${shorten(text)} must start with a hive, not a backslash; valid hives: ${listHives()}`;
  const slash = !text.includes('\\') && text.includes('/') ? '; separate components with a backslash, not "/"' : '';
  const guess = suggestName(head, [...HIVES, ...HIVES.map(hiveLongName)]);
  const mean = guess ? ` (did you mean "${guess}"?)` : '';
  return `unknown hive ${shorten(head)}${mean} in key path ${shorten(text)}; valid hives: ${listHives()}${slash}`;
}

/**
 * Checks a key path as written in a config: a known hive (short or long name, any case, returned as
 * the short name), then at least one component; no empty component, none longer than 255 characters,
 * no control characters. The path below the hive keeps the case it was written in.
 */
export function parseKeyPath(text: string): { ok: true; hive: Hive; path: string } | { ok: false; message: string } {
  if (text === '') return { ok: false, message: 'key path is empty' };
  const split = splitKeyPath(text);
  if (!split) return { ok: false, message: hiveProblem(text, text.split('\\')[0] ?? '') };
  if (split.path === '') {
    return { ok: false, message: `key path ${shorten(text)} is a hive root; regstate manages keys below a hive, not a hive itself` };
  }
  const components = split.path.split('\\');
  for (let i = 0; i < components.length; i++) {
    const component = components[i] as string;
    if (component === '') {
      const where = i === components.length - 1 ? 'a trailing backslash' : 'two backslashes in a row';
      return { ok: false, message: `key path ${shorten(text)} has an empty component (${where})` };
    }
    if (component.length > MAX_KEY_NAME) {
      return { ok: false, message: `key name ${shorten(component)} in key path is ${component.length} characters long; at most ${MAX_KEY_NAME} are allowed` };
    }
    const control = CONTROL.exec(component);
    if (control) {
      const code = `U+${(control[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      return { ok: false, message: `key path ${shorten(text)} contains a control character (${code})` };
    }
  }
  return { ok: true, hive: split.hive, path: split.path };
}
