import type { AppError } from '../errors';
import { isPlainObject } from '../validation';
import { importError, type ScannerFormat } from './types';

/** The entry types garak writes to report.jsonl; its first line is `start_run setup` (or `init` in old runs). */
const GARAK_ENTRY_TYPES = new Set(['start_run setup', 'init', 'attempt', 'eval', 'completion', 'digest']);

/** Keys a promptfoo summary (`results`, or the bare summary object) has and other tools' `results` do not. */
const PROMPTFOO_SUMMARY_KEYS = ['version', 'timestamp', 'prompts', 'stats', 'table', 'outputs'];

const GIVE_OWN_OUTPUT =
  "give the scanner's own output: garak's report.jsonl or hitlog.jsonl, or promptfoo's JSON (promptfoo eval -o results.json)";

/** Text without a leading UTF-8 byte order mark, which some editors and Windows tools write. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Recognises a scanner file from its first bytes (up to 64 KiB as text, possibly cut mid-line): a garak
 * report (first line an object with `entry_type`), a garak hitlog (first line an object with `probe`,
 * `detector` and `score`) or promptfoo results (one JSON object with `evalId` and `results`, pretty-printed or
 * on one line). Anything else is an `import_invalid` error saying what the file looks like instead (empty,
 * a Git LFS or git-annex pointer, HTML, XML, CSV, YAML, a JSON array, SARIF, promptfoo's JSONL, binary) and
 * what to give instead. Pure.
 */
export function detectScannerFormat(head: string): ScannerFormat {
  const text = stripBom(head);
  if (text.length === 0) throw importError(0, 'the file is empty');
  const start = text.trimStart();
  if (start === '') throw importError(0, 'the file holds nothing but white space');
  const firstLine = start.split(/\r?\n/, 1)[0];
  // Blank lines before the first object still count, so a message names the line an editor shows.
  const leading = text.slice(0, text.length - start.length);
  const firstLineNo = 1 + (leading.match(/\n/g)?.length ?? 0);

  if (start.startsWith('version https://git-lfs.github.com/spec/')) throw lfsPointer(start);
  if (/^[^{[<\n]*\/annex\/objects\/\S+/.test(firstLine) && start.length < 2048) {
    throw importError(
      0,
      'this is a git-annex pointer, not the scanner output: fetch the content with git annex get <file> and import that',
    );
  }
  if (start.startsWith('%PDF-')) throw importError(0, `this is a PDF document, not scanner output; ${GIVE_OWN_OUTPUT}`);
  if (/^(\ufffd\ufffd)?([^\u0000]\u0000){4}|^(\ufffd\ufffd)?(\u0000[^\u0000]){4}/.test(start)) {
    throw importError(
      0,
      'this file is UTF-16 text (as Windows PowerShell writes with >); save it as UTF-8 and import that',
    );
  }
  if (isBinary(start)) {
    throw importError(
      0,
      `this is a binary file (compressed or an archive?), not scanner output; unpack it or ${GIVE_OWN_OUTPUT}`,
    );
  }

  switch (start[0]) {
    case '{':
      return detectObject(start, firstLine, firstLineNo);
    case '<':
      throw markup(start);
    case '[':
      // promptfoo's CSV starts with a column such as `[openai:gpt-4o] {{query}}`; a JSON array does not.
      if (/^\[\s*([{["\]0-9-]|true|false|null)/.test(start)) {
        throw importError(
          0,
          'the file is a JSON array; garak writes JSON Lines (one object per line) and promptfoo one JSON object with evalId and results',
        );
      }
      break;
  }
  if (/^(evalId|results|config|shareableUrl)\s*:/m.test(start.slice(0, 4096))) {
    throw importError(
      0,
      'this looks like promptfoo YAML output; YAML is not imported: export JSON (promptfoo eval -o results.json)',
    );
  }
  if (looksLikeCsv(start, firstLine)) {
    throw importError(
      0,
      `this looks like CSV (its first line is ${quote(firstLine)}); CSV is not imported: ${GIVE_OWN_OUTPUT}`,
    );
  }
  throw importError(0, `not a scanner file this service reads: it starts with ${quote(firstLine)}; ${GIVE_OWN_OUTPUT}`);
}

/** What each format is, in words, for messages. */
const FORMAT_NAMES: Readonly<Record<ScannerFormat, string>> = Object.freeze({
  'garak-report': 'a garak report.jsonl',
  'garak-hitlog': 'a garak hitlog.jsonl',
  promptfoo: 'promptfoo results JSON',
});

/**
 * Checks a file the caller named as `declared` against what its first bytes look like: one that is recognisably
 * another scanner format is refused naming that format, rather than failing later on a parse error that does not
 * say why. A head that is no recognisable format is left to the parser of the declared format, whose error names
 * the line: the caller's word is trusted where nothing contradicts it. Pure.
 */
export function checkDeclaredFormat(head: string, declared: ScannerFormat): void {
  let seen: ScannerFormat;
  try {
    seen = detectScannerFormat(head);
  } catch {
    return;
  }
  if (seen !== declared) {
    throw importError(
      0,
      `format=${declared} was given, but the file looks like ${FORMAT_NAMES[seen]}; import it with format=${seen}, or leave format out to have it recognised`,
    );
  }
}

function detectObject(start: string, firstLine: string, lineNo: number): ScannerFormat {
  let line: Record<string, unknown> | undefined;
  let parseError: string | undefined;
  try {
    const v: unknown = JSON.parse(firstLine);
    if (isPlainObject(v)) line = v;
  } catch (err) {
    parseError = (err as Error).message;
  }
  const scan = scanFirstObject(start);
  const keys = line ? new Set(Object.keys(line)) : scan.keys;

  if (keys.has('entry_type')) {
    const type = line ? line.entry_type : /^\{\s*"entry_type"\s*:\s*"([^"\\]*)"/.exec(firstLine)?.[1];
    if (typeof type === 'string' && GARAK_ENTRY_TYPES.has(type)) return 'garak-report';
    throw importError(
      lineNo,
      `entry_type ${JSON.stringify(type ?? null)} is not a garak report entry; a report starts with "start_run setup"`,
    );
  }
  if (keys.has('probe') && keys.has('detector') && (keys.has('score') || !line)) return 'garak-hitlog';

  const schema = line ? line.$schema : /"\$schema"\s*:\s*"([^"]*)"/.exec(start.slice(0, 4096))?.[1];
  if ((typeof schema === 'string' && /sarif/i.test(schema)) || (keys.has('runs') && keys.has('version'))) {
    throw importError(0, `this is a SARIF file; SARIF is not imported: ${GIVE_OWN_OUTPUT}`);
  }

  // promptfoo's JSONL output holds one result per line, and a result may name its eval.
  if (keys.has('promptIdx') || keys.has('testIdx') || (keys.has('gradingResult') && keys.has('success'))) {
    throw importError(
      lineNo,
      'this is promptfoo JSONL output (one result per line); export the whole eval as JSON instead (promptfoo eval -o results.json)',
    );
  }
  const summaryKeys = PROMPTFOO_SUMMARY_KEYS.filter((k) => scan.resultsKeys.has(k));
  const bareSummary = keys.has('results') && keys.has('version') && keys.has('timestamp');
  if (keys.has('evalId') || (keys.has('results') && summaryKeys.length > 0) || bareSummary) return 'promptfoo';

  if (parseError !== undefined && firstLine.trim() !== '{' && start.length > firstLine.length && keys.size === 0) {
    throw importError(lineNo, `not valid JSON (${parseError})`);
  }
  const names = [...keys].slice(0, 8).map((k) => JSON.stringify(k));
  const listed = names.length > 0 ? `keys ${names.join(', ')}${keys.size > 8 ? ', …' : ''}` : 'no keys recognisable';
  throw importError(
    0,
    `not a scanner file this service reads: its first JSON object has ${listed}, and neither entry_type (garak report), probe and detector (garak hitlog) nor evalId and results (promptfoo); ${GIVE_OWN_OUTPUT}`,
  );
}

/**
 * The keys of the first JSON object in `text`, and the keys of its `results` object, read without parsing:
 * the text may be a pretty-printed document cut off at any point, so only what the head shows is returned.
 */
function scanFirstObject(text: string): { keys: Set<string>; resultsKeys: Set<string> } {
  const keys = new Set<string>();
  const resultsKeys = new Set<string>();
  // The key each open container sits under (undefined for the top object and array items).
  const open: (string | undefined)[] = [];
  let lastString: string | undefined;
  let pendingKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      for (let escaped = false; j < text.length; j++) {
        if (escaped) escaped = false;
        else if (text[j] === '\\') escaped = true;
        else if (text[j] === '"') break;
      }
      if (j >= text.length) break;
      lastString = text.slice(i + 1, j);
      i = j;
    } else if (c === ':') {
      if (lastString !== undefined) {
        pendingKey = lastString;
        if (open.length === 1) keys.add(lastString);
        else if (open.length === 2 && open[1] === 'results') resultsKeys.add(lastString);
      }
      lastString = undefined;
    } else if (c === '{' || c === '[') {
      open.push(pendingKey);
      pendingKey = undefined;
      lastString = undefined;
    } else if (c === '}' || c === ']') {
      open.pop();
      if (open.length === 0) break;
      pendingKey = undefined;
      lastString = undefined;
    } else if (c === ',') {
      pendingKey = undefined;
      lastString = undefined;
    }
  }
  return { keys, resultsKeys };
}

function lfsPointer(start: string): AppError {
  const oid = /^oid sha256:([0-9a-f]{64})\s*$/m.exec(start)?.[1];
  const size = /^size (\d+)\s*$/m.exec(start)?.[1];
  const what = [oid ? `oid sha256:${oid.slice(0, 12)}…` : undefined, size ? `${size} bytes` : undefined]
    .filter(Boolean)
    .join(', ');
  return importError(
    0,
    `this is a Git LFS pointer file${what ? ` (${what})` : ''}, not the scanner output: fetch the real file with git lfs pull and import that`,
  );
}

function markup(start: string): AppError {
  if (/^<\?xml/i.test(start) && !/<html[\s>]/i.test(start.slice(0, 4096))) {
    return importError(0, `this is an XML file; XML is not imported: ${GIVE_OWN_OUTPUT}`);
  }
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(start.slice(0, 16384))?.[1]?.replace(/\s+/g, ' ').trim();
  return importError(
    0,
    `this is an HTML page${title ? ` titled ${quote(title)}` : ''}, not scanner output: perhaps an error or sign-in page saved in place of the file, or promptfoo's HTML report; ${GIVE_OWN_OUTPUT}`,
  );
}

/** Separated values: a separator on the first line, and on the second too when there is one. */
function looksLikeCsv(start: string, firstLine: string): boolean {
  const separator = [',', '\t', ';'].find((c) => firstLine.includes(c));
  if (!separator) return false;
  const second = start.split(/\r?\n/, 2)[1];
  return second === undefined || second === '' ? firstLine.split(separator).length > 2 : second.includes(separator);
}

/** NUL bytes, or the first bytes of gzip or zip, which a text decoder turns into control and replacement
 * characters. */
function isBinary(start: string): boolean {
  return start.slice(0, 1024).includes('\u0000') || /^(\u001f\ufffd|PK\u0003\u0004)/.test(start);
}

/** A short, quoted, escaped excerpt for a message: control characters and quotes cannot break it. */
function quote(text: string): string {
  const points = Array.from(text);
  return JSON.stringify(points.length > 60 ? `${points.slice(0, 59).join('')}…` : text);
}
