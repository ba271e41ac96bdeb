/**
 * Characters that change what a reader of a signed report sees without showing themselves: the C0 and C1 control
 * characters and DEL (NUL, BEL, CR, LF, ESC, …), which viewers drop, act on or print as nothing, and the
 * bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make a viewer lay text
 * out in another order than it is stored: a title `PT \u202Efdp.exe` reads as "PT exe.pdf".
 *
 * Names and titles a report prints are refused when they hold one; evidence keeps its bytes (it is evidence) and is
 * printed with each made visible as `⟨U+202E⟩`.
 */

/** The characters, as the body of a regular expression's character class (also the document's patterns). */
export const HIDDEN_CHARACTER_CLASS = '\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069';

const HIDDEN = new RegExp(`[${HIDDEN_CHARACTER_CLASS}]`);
const HIDDEN_ALL = new RegExp(`[${HIDDEN_CHARACTER_CLASS}]`, 'g');

/** `U+202E` for a character. */
export function codePointLabel(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first hidden character of a text and its place (counted from 1), or undefined. */
export function firstHiddenCharacter(text: string): { label: string; position: number } | undefined {
  const match = HIDDEN.exec(text);
  return match ? { label: codePointLabel(match[0]), position: match.index + 1 } : undefined;
}

/** The text with every hidden character but those in `keep` written as `⟨U+XXXX⟩`. */
export function showHiddenCharacters(text: string, keep = ''): string {
  if (!HIDDEN.test(text)) return text;
  return text.replace(HIDDEN_ALL, (ch) => (keep.includes(ch) ? ch : `⟨${codePointLabel(ch)}⟩`));
}
