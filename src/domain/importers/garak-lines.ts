/** The start of a status-1 attempt line as garak writes it (keys in this order); anything else is parsed. */
const PENDING_ATTEMPT = /^\{"entry_type": ?"attempt", ?"uuid": ?"[0-9a-f-]{1,64}", ?"seq": ?\d{1,9}, ?"status": ?1,/;

const CONVERSATIONS = ', "conversations": ';
const AFTER_CONVERSATIONS = ', "reverse_translation_outputs": ';

/** Whether a report line is a status-1 attempt, judged from its first 200 characters (ASCII is enough for the keys
 * tested) and its last, without parsing it. garak writes each attempt twice: at status 1 when its outputs arrive,
 * at status 2 once detectors scored it; only the second is read, so the first (half the file's bytes) is only
 * checked for being one whole line. */
export function isPendingAttempt(head: string, last: string): boolean {
  return last === '}' && PENDING_ATTEMPT.test(head);
}

/** An attempt line without its `conversations` value, which garak 0.14+ writes after `prompt` and `outputs` as a
 * second copy of them, and which the reader does not use: it is about half of each line, and parsing is most of
 * an import's time. Cut only where garak's own key order puts it, between `goal` and
 * `reverse_translation_outputs`; the two markers cannot occur inside a JSON string (their quotes would be
 * escaped there). Any other line is returned whole. */
export function withoutConversations(line: string): string {
  const from = line.lastIndexOf(CONVERSATIONS);
  if (from < 0) return line;
  const to = line.indexOf(AFTER_CONVERSATIONS, from);
  return to < 0 ? line : line.slice(0, from) + line.slice(to);
}

/** A line as read, without a trailing carriage return or (on the first line) a UTF-8 byte-order mark; undefined
 * when nothing but white space is left. */
export function lineText(text: string, lineNo: number): string | undefined {
  let t = text;
  if (t.charCodeAt(t.length - 1) === 13) t = t.slice(0, -1);
  if (lineNo === 1 && t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  if (t.length === 0 || (t.charCodeAt(0) <= 32 && t.trim() === '')) return undefined;
  return t;
}
