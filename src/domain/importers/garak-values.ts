import { parseIsoTime } from '../iso-time';
import { isPlainObject } from '../validation';
import { importError } from './types';

/** Longest excerpt of a value quoted in a message. */
const MAX_QUOTED = 80;

/** One output's score: a number, null (not scored), or garak 0.14's list of per-turn scores for a multi-turn
 * probe, of which the best counts. Undefined when nothing was scored. */
export function outputScore(value: unknown, field: string, lineNo: number): number | undefined {
  if (value === null) return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw importError(lineNo, `${field} must be a finite number, found ${describe(value)}`);
    return value;
  }
  if (!Array.isArray(value)) {
    throw importError(lineNo, `${field} must be a number, null or a list of per-turn scores, found ${describe(value)}`);
  }
  let best: number | undefined;
  for (let turn = 0; turn < value.length; turn++) {
    const v: unknown = value[turn];
    if (v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw importError(lineNo, `${field}[${turn}] must be a number or null, found ${describe(v)}`);
    }
    if (best === undefined || v > best) best = v;
  }
  return best;
}

/** A detector's best score over an attempt's outputs, and which output scored it; undefined when no output was
 * scored. */
export function bestScore(
  scores: unknown,
  field: string,
  lineNo: number,
): { score: number; index: number } | undefined {
  if (!Array.isArray(scores)) throw importError(lineNo, `${field} must be a list of scores, found ${describe(scores)}`);
  let best: { score: number; index: number } | undefined;
  for (let i = 0; i < scores.length; i++) {
    const score = outputScore(scores[i], `${field}[${i}]`, lineNo);
    if (score !== undefined && (best === undefined || score > best.score)) best = { score, index: i };
  }
  return best;
}

export function aggregated(lineNo: number) {
  return importError(
    lineNo,
    "this is garak's aggregate of several runs (garak.analyze.aggregate_reports), which gives every attempt the same made-up uuid, so its findings cannot be told apart; import each run's own report.jsonl",
  );
}

/** Text cut to `max` characters, ending in `…` when cut. */
export function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The user's text of a prompt: a 0.10.x string, or the last user turn of a 0.14+ conversation (the last turn
 * when no turn is the user's), or a bare message's text. */
export function promptText(prompt: unknown, field: string, lineNo: number): string {
  if (prompt === undefined || prompt === null) return '';
  if (typeof prompt === 'string') return prompt;
  if (isPlainObject(prompt)) {
    const turns = prompt.turns;
    if (!Array.isArray(turns)) return messageText(prompt, field, lineNo);
    for (let i = turns.length - 1; i >= 0; i--) {
      const turn: unknown = turns[i];
      if (isPlainObject(turn) && turn.role === 'user') return messageText(turn.content, `${field}.turns[${i}]`, lineNo);
    }
    const last: unknown = turns[turns.length - 1];
    return isPlainObject(last) ? messageText(last.content, `${field}.turns[${turns.length - 1}]`, lineNo) : '';
  }
  throw importError(lineNo, `${field} must be a string or a conversation object, found ${describe(prompt)}`);
}

/** The text of an output or turn: a 0.10.x string, or a 0.14+ message's `text` (empty when the generation
 * failed and garak wrote null). */
export function messageText(message: unknown, field: string, lineNo: number): string {
  if (message === undefined || message === null) return '';
  if (typeof message === 'string') return message;
  if (isPlainObject(message)) {
    const text = message.text;
    if (typeof text === 'string') return text;
    if (text === undefined || text === null) return '';
    throw importError(lineNo, `${field}.text must be a string, found ${describe(text)}`);
  }
  throw importError(lineNo, `${field} must be a string or a message object, found ${describe(message)}`);
}

/** An ISO 8601 date-time (iso-time.ts) as a UTC `toISOString()` string; garak writes its clock without a zone,
 * so a time without one is read as UTC. */
export function isoTime(raw: string): string | undefined {
  return parseIsoTime(raw.trim(), { withoutZone: 'utc' })?.toISOString();
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export function quote(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text);
}
