/** What an excerpt keeps of a long evidence text, and how much it left out on each side (in UTF-16 code units,
 * as `String.length` counts them), so the renderer can say "… 1,234 characters cut …". */
export interface Excerpt {
  text: string;
  cutBefore: number;
  cutAfter: number;
  /** What the window was centred on: a detector's match, the attack goal's words, or nothing (the start; also
   * when the whole text fits). */
  centredOn: 'match' | 'goal' | 'start';
}

/** What an excerpt should show: the strings the detector matched, and the attack's goal. */
export interface ExcerptFocus {
  matches?: readonly string[];
  goal?: string;
}

/** The goal is looked for in this much of the text and of the goal; both bounds keep the search cheap. */
export const MAX_GOAL_SEARCH_TEXT = 65_536;
export const MAX_GOAL_CHARS = 2_048;

const WORD = /[\p{L}\p{N}]+/gu;

interface Word {
  key: string;
  start: number;
  end: number;
}

function words(text: string): Word[] {
  return Array.from(text.matchAll(WORD), (m) => ({
    key: m[0].toLowerCase(),
    start: m.index,
    end: m.index + m[0].length,
  }));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The earliest case-insensitive occurrence of any of the strings: the middle of its span. */
function firstMatch(text: string, matches: readonly string[]): number | null {
  const needles = matches.filter((m) => m.length > 0);
  if (needles.length === 0) return null;
  // One alternation of literals: the engine finds the leftmost occurrence of any of them in one pass.
  const found = new RegExp(needles.map(escapeRegExp).join('|'), 'iu').exec(text);
  return found === null ? null : found.index + found[0].length / 2;
}

/**
 * The middle of the longest run of consecutive goal words that also appears, in order, in the text (compared
 * case-insensitively, word by word), or null when no run of at least two words (one for a one-word goal) is found.
 * A suffix automaton of the goal's words makes this one pass over the text's words: linear in both lengths.
 */
function goalOverlap(text: string, goal: string): number | null {
  const goalWords = words(goal.slice(0, MAX_GOAL_CHARS)).map((w) => w.key);
  if (goalWords.length === 0) return null;
  const textWords = words(text.slice(0, MAX_GOAL_SEARCH_TEXT));

  // Suffix automaton over the goal's word sequence (states: transitions, suffix link, longest length).
  const next: Map<string, number>[] = [new Map()];
  const link: number[] = [-1];
  const len: number[] = [0];
  let last = 0;
  for (const w of goalWords) {
    const cur = next.length;
    next.push(new Map());
    len.push(len[last] + 1);
    link.push(0);
    let p = last;
    while (p !== -1 && !next[p].has(w)) {
      next[p].set(w, cur);
      p = link[p];
    }
    if (p !== -1) {
      const q = next[p].get(w) as number;
      if (len[p] + 1 === len[q]) {
        link[cur] = q;
      } else {
        const clone = next.length;
        next.push(new Map(next[q]));
        len.push(len[p] + 1);
        link.push(link[q]);
        while (p !== -1 && next[p].get(w) === q) {
          next[p].set(w, clone);
          p = link[p];
        }
        link[q] = clone;
        link[cur] = clone;
      }
    }
    last = cur;
  }

  let state = 0;
  let run = 0;
  let best = 0;
  let bestEnd = -1;
  textWords.forEach((w, i) => {
    while (state !== 0 && !next[state].has(w.key)) {
      state = link[state];
      run = len[state];
    }
    const to = next[state].get(w.key);
    if (to !== undefined) {
      state = to;
      run += 1;
    }
    if (run > best) {
      best = run;
      bestEnd = i;
    }
  });
  if (best < Math.min(2, goalWords.length)) return null;
  const first = textWords[bestEnd - best + 1];
  const lastWord = textWords[bestEnd];
  return (first.start + lastWord.end) / 2;
}

const isHigh = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/**
 * A window of at most `maxChars` of `text`, so that a long model response shows the part that proves the point:
 * centred on the first occurrence (case-insensitive) of any of `focus.matches`; failing that, on the longest run of
 * the attack goal's words found in the text; failing that, the start. A text that fits is returned whole. The
 * window never splits a surrogate pair: it shrinks by one code unit at an end that would.
 */
export function excerpt(text: string, maxChars: number, focus: ExcerptFocus = {}): Excerpt {
  if (!Number.isInteger(maxChars) || maxChars < 1) {
    throw new Error(`maxChars: must be a positive integer, got ${String(maxChars)}`);
  }
  if (text.length <= maxChars) return { text, cutBefore: 0, cutAfter: 0, centredOn: 'start' };

  let centredOn: Excerpt['centredOn'] = 'start';
  let centre = firstMatch(text, focus.matches ?? []);
  if (centre !== null) centredOn = 'match';
  else if (focus.goal !== undefined) {
    centre = goalOverlap(text, focus.goal);
    if (centre !== null) centredOn = 'goal';
  }

  let start = centre === null ? 0 : Math.round(centre - maxChars / 2);
  start = Math.min(Math.max(0, start), text.length - maxChars);
  let end = start + maxChars;
  if (start > 0 && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start += 1;
  if (end < text.length && isHigh(text.charCodeAt(end - 1)) && isLow(text.charCodeAt(end))) end -= 1;
  return { text: text.slice(start, end), cutBefore: start, cutAfter: text.length - end, centredOn };
}
