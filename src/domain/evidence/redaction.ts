/**
 * Masks personal data and secrets in evidence before a report shows it: an excerpt that leaks a customer's address
 * or a live key is itself a finding.
 *
 * Written here rather than taken from npm: secretlint scans files through asynchronous rule plugins and a
 * configuration; of the PII packages looked at, @redactpii/node knows US phone formats only and guesses names, and
 * @arcjet/redact is asynchronous (WebAssembly). None masks synchronously, internationally and only what passes its
 * checksum.
 *
 * Each detector is a regular expression anchored by a look-behind, so that it can only start at the beginning of a
 * run, with bounded repetition, plus a check in code (Luhn, mod 97, digit counts) where a pattern alone would mask
 * too much. The only repeated groups, `(?: ?[A-Z0-9])` and `(?:[ -]?\d)`, take exactly one character of their class
 * per repetition, so they cannot backtrack into each other. That keeps the work linear in the text's length (64 KiB
 * adversarial texts are part of the tests). Private keys are found by a scan, not a pattern.
 */

/** What a mask hides. */
export type RedactionKind =
  | 'private_key'
  | 'jwt'
  | 'aws_access_key'
  | 'github_token'
  | 'slack_token'
  | 'google_api_key'
  | 'api_key'
  | 'bearer_token'
  | 'credential'
  | 'access_code'
  | 'email'
  | 'street_address'
  | 'iban'
  | 'payment_card'
  | 'phone';

/** Text with personal data and secrets replaced by `[redacted:<kind>]`, and how many of each kind were masked
 * (kinds that were not found are left out). */
export interface Redacted {
  text: string;
  masks: { kind: RedactionKind; count: number }[];
}

const mask = (kind: RedactionKind): string => `[redacted:${kind}]`;

/** A detector replaces what it finds in the text and returns how many it replaced. */
type Detector = (text: string) => { text: string; count: number };

/** A detector from a global pattern: `check` may decline a match (return null) or replace only part of it. */
function pattern(
  kind: RedactionKind,
  re: RegExp,
  check?: (match: string, groups: string[]) => string | null,
): Detector {
  return (text) => {
    let count = 0;
    const out = text.replace(re, (match: string, ...rest: unknown[]) => {
      // replace() passes the capture groups, then the match's offset (the first number), the text and named groups.
      const offsetAt = rest.findIndex((r) => typeof r === 'number');
      const groups = rest.slice(0, offsetAt).map((g) => (typeof g === 'string' ? g : ''));
      const replaced = check ? check(match, groups) : mask(kind);
      if (replaced === null) return match;
      count += 1;
      return replaced;
    });
    return { text: out, count };
  };
}

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;
/** Further than this from its BEGIN, an END is taken to close some other block. An RSA-8192 key is under 7 KiB. */
const MAX_PEM_BODY = 16_384;
const BASE64_REST_OF_LINE = /[A-Za-z0-9+/= \t]{0,16384}/y;
const BASE64_LINE = /^[ \t]{0,8}(?:[A-Za-z0-9+/=]{1,256}|[A-Za-z-]{1,32}: [^\n]{0,256})[ \t]{0,8}\r?$/;

/** Where a PEM block cut off before its END (as a model's output often is) stops: after the base64 on its BEGIN
 * line and the base64 (or `Proc-Type:`-style header) lines that follow. */
function endOfTruncatedBlock(text: string, from: number): number {
  BASE64_REST_OF_LINE.lastIndex = from;
  let stop = BASE64_REST_OF_LINE.exec(text) === null ? from : BASE64_REST_OF_LINE.lastIndex;
  while (text[stop] === '\n' || text.startsWith('\r\n', stop)) {
    const lineStart = text.indexOf('\n', stop) + 1;
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    if (line.trim() === '' || !BASE64_LINE.test(line)) break;
    stop = lineEnd;
  }
  return stop;
}

/** PEM private key blocks, BEGIN to END. A scan rather than one pattern, and each END is searched for once, so that
 * many BEGINs without an END cannot make it quadratic. */
const privateKeys: Detector = (text) => {
  let out = '';
  let count = 0;
  let from = 0;
  // The next END at or after the current BEGIN: undefined until searched, null when there is none left.
  let nextEnd: { start: number; stop: number } | null | undefined;
  PEM_BEGIN.lastIndex = 0;
  for (let begin = PEM_BEGIN.exec(text); begin !== null; begin = PEM_BEGIN.exec(text)) {
    const bodyStart = PEM_BEGIN.lastIndex;
    if (nextEnd === undefined || (nextEnd !== null && nextEnd.start < bodyStart)) {
      PEM_END.lastIndex = bodyStart;
      const end = PEM_END.exec(text);
      nextEnd = end === null ? null : { start: end.index, stop: PEM_END.lastIndex };
    }
    const stop =
      nextEnd !== null && nextEnd.start - bodyStart <= MAX_PEM_BODY
        ? nextEnd.stop
        : endOfTruncatedBlock(text, bodyStart);
    out += text.slice(from, begin.index) + mask('private_key');
    count += 1;
    from = stop;
    PEM_BEGIN.lastIndex = stop;
  }
  return { text: out + text.slice(from), count };
};

/** Whether a string of digits passes the Luhn check that every payment card number carries. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** IBAN length by country, from the SWIFT IBAN registry (release 101, as shipped in python-stdnum's iban.dat). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30,
  KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20,
  MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22,
  RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
}; // prettier-ignore

/** ISO 13616 check: the country and check digits moved to the end, letters as 10–35, the number mod 97 is 1. */
function ibanValid(compact: string): boolean {
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}

/** Masks the IBAN at the start of a candidate, if its country's length of characters passes mod 97; characters
 * the pattern took beyond that length are kept. */
function checkIban(candidate: string): string | null {
  const length = IBAN_LENGTHS[candidate.slice(0, 2)];
  if (length === undefined) return null;
  let taken = 0;
  let end = 0;
  while (end < candidate.length && taken < length) {
    if (candidate[end] !== ' ') taken += 1;
    end += 1;
  }
  if (taken < length || !ibanValid(candidate.slice(0, end).replace(/ /g, ''))) return null;
  return mask('iban') + candidate.slice(end);
}

function checkCard(candidate: string): string | null {
  const digits = candidate.replace(/[ -]/g, '');
  return luhnValid(digits) ? mask('payment_card') : null;
}

const DATE_LIKE = /\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}/;
const IPV4_LIKE = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** A phone number: 9 to 15 digits (E.164 allows 15); written with a leading + or in groups, since a plain run of
 * digits is more often an id than a number to call; and neither a date nor an IPv4 address. */
function checkPhone(candidate: string): string | null {
  const digits = candidate.replace(/\D/g, '').length;
  if (digits < 9 || digits > 15) return null;
  if (DATE_LIKE.test(candidate) || IPV4_LIKE.test(candidate)) return null;
  const groups = candidate.split(/[^\d]+/).filter((g) => g.length > 0);
  if (!candidate.startsWith('+') && groups.length < 2) return null;
  if (groups.some((g) => g.length > 8)) return null;
  return mask('phone');
}

function checkEmail(candidate: string): string | null {
  // The domain part may have taken a sentence's closing dot or a trailing hyphen; give them back.
  const trimmed = candidate.replace(/[.-]{1,200}$/, '');
  const domain = trimmed.slice(trimmed.indexOf('@') + 1);
  if (!/\.[A-Za-z]{2,63}$/.test(domain) || domain.includes('..')) return null;
  return mask('email') + candidate.slice(trimmed.length);
}

/** Keeps the name and separator of a `password=…` style assignment and masks only its value, inside its quotes. */
function checkAssignment(match: string, groups: string[]): string {
  const head = groups[0];
  const quote = match[head.length];
  return quote === '"' || quote === "'" ? `${head}${quote}${mask('credential')}${quote}` : head + mask('credential');
}

/** A bearer token is long and has digits; "Bearer authentication" in prose is not one. */
function checkBearer(match: string, groups: string[]): string | null {
  const token = match.slice(groups[0].length);
  return token.length >= 16 && /\d/.test(token) ? groups[0] + mask('bearer_token') : null;
}

const NOT_MASKED = '(?!\\[redacted:)';

/** Words that make a following code a secret: an override, access or one-time code, a PIN. A code after anything
 * else (an HTTP status code, an error code, a postcode) is left alone. */
const CODE_NAME =
  '(?:(?:override|access|verification|security|one[- ]time|recovery|reset|unlock|door|alarm|authori[sz]ation|auth|backup|2fa|mfa)[ -](?:code|pin|key)|pin|passcode|otp)';

/** Street types that follow a house number and a street name in an address. */
const STREET_TYPE =
  '(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Square|Sq|Terrace|Close|Crescent|Highway|Hwy|Parkway|Pkwy|Straße|Strasse|Rue)';

/** Masks a code's value, keeping what names it, when the value has a digit ("override code 7731", "PIN 0042"). */
function checkCode(match: string, groups: string[]): string | null {
  const value = match.slice(groups[0].length);
  return /\d/.test(value) ? groups[0] + mask('access_code') : null;
}
const SECRET_NAME =
  'password|passwd|passphrase|secret|secret[_-]?key|client[_-]?secret|api[_-]?key|apikey|access[_-]?key|private[_-]?key|token';

/** Detectors in the order they run: whole secrets before assignments (so `api_key=sk-…` counts as the key), and
 * digit patterns last, from the most specific (IBAN, card) to the loosest (phone). */
const DETECTORS: readonly [RedactionKind, Detector][] = [
  ['private_key', privateKeys],
  ['jwt', pattern('jwt', /(?<![\w-])eyJ[A-Za-z0-9_-]{4,4096}\.eyJ[A-Za-z0-9_-]{4,16384}\.[A-Za-z0-9_-]{0,2048}/g)],
  ['aws_access_key', pattern('aws_access_key', /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g)],
  [
    'github_token',
    pattern('github_token', /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/g),
  ],
  ['slack_token', pattern('slack_token', /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,255}/g)],
  ['google_api_key', pattern('google_api_key', /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g)],
  ['api_key', pattern('api_key', /(?<![\w-])sk-[A-Za-z0-9_-]{20,512}/g)],
  [
    'bearer_token',
    pattern('bearer_token', /(?<![A-Za-z0-9])(bearer[ \t]{1,8})[A-Za-z0-9._~+/-]{8,4096}={0,8}/gi, checkBearer),
  ],
  [
    'credential',
    pattern(
      'credential',
      new RegExp(
        `(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{0,40}(?:${SECRET_NAME})["']?[ \\t]{0,5}[:=][ \\t]{0,5})` +
          `(?:"${NOT_MASKED}[^"\\n]{1,512}"|'${NOT_MASKED}[^'\\n]{1,512}'|${NOT_MASKED}[^\\s"',;&<>]{1,512})`,
        'gi',
      ),
      checkAssignment,
    ),
  ],
  [
    'access_code',
    pattern(
      'access_code',
      new RegExp(
        `(?<![A-Za-z0-9_-])(${CODE_NAME}(?:[ \\t]{1,3}(?:is|was|=))?[ \\t:#=]{1,4})${NOT_MASKED}[A-Za-z0-9-]{3,64}`,
        'gi',
      ),
      checkCode,
    ),
  ],
  [
    'email',
    pattern('email', /(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}\.[A-Za-z0-9.-]{1,190}/g, (m) => checkEmail(m)),
  ],
  [
    'street_address',
    pattern(
      'street_address',
      new RegExp(
        `(?<![\\w-])(?!(?:19|20)\\d\\d\\b)\\d{1,5}[A-Za-z]?,?[ \\t]{1,3}(?:[A-Z][A-Za-z'.-]{1,30}[ \\t]{1,3}){1,3}${STREET_TYPE}\\b\\.?`,
        'g',
      ),
    ),
  ],
  ['iban', pattern('iban', /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}/g, (m) => checkIban(m))],
  // Not the digits after a decimal point: 0.4970209623196613 is a number, not a card.
  ['payment_card', pattern('payment_card', /(?<![\w+-]|\d\.)[2-6](?:[ -]?\d){12,18}(?!\w)/g, (m) => checkCard(m))],
  ['phone', pattern('phone', /(?<![\w+.-])(?:\+|\(|\d)[\d ().-]{7,24}\d(?![\w])/g, (m) => checkPhone(m))],
];

/** A test, far cheaper than a detector's pattern, that a text lacks something every match of it must contain: a
 * literal, a digit or, for the case-blind patterns, a word in lower case. Most evidence has no secret or personal
 * data at all, and a look-behind pattern tries every position of the text; a report masks the evidence of every
 * row, so skipping the detectors that cannot match is most of the masking's time (see
 * bench/report-model-tuning.md). Each test is run on the text as the detectors before it left it; the masks they
 * write hold no digit. */
type MayMatch = (text: string, lower: () => string) => boolean;

const hasDigit: MayMatch = (text) => DIGIT.test(text);
const DIGIT = /\d/;
const hasWord =
  (words: readonly string[]): MayMatch =>
  (_text, lower) => {
    const l = lower();
    return words.some((w) => l.includes(w));
  };
/** What every {@link SECRET_NAME} contains, and every {@link CODE_NAME}. */
const SECRET_WORDS = ['pass', 'secret', 'key', 'token'];
const CODE_WORDS = ['code', 'pin', 'key', 'otp'];
const hasSecretWord = hasWord(SECRET_WORDS);
const hasCodeWord = hasWord(CODE_WORDS);

const MAY_MATCH: Readonly<Record<RedactionKind, MayMatch>> = {
  private_key: (t) => t.includes('PRIVATE KEY-----'),
  jwt: (t) => t.includes('eyJ'),
  aws_access_key: (t) => t.includes('AKIA') || t.includes('ASIA'),
  github_token: (t) => t.includes('gh') || t.includes('github_pat_'),
  slack_token: (t) => t.includes('xox'),
  google_api_key: (t) => t.includes('AIza'),
  api_key: (t) => t.includes('sk-'),
  bearer_token: hasWord(['bearer']),
  credential: (t, lower) => (t.includes(':') || t.includes('=')) && hasSecretWord(t, lower),
  // A code is masked only when its value has a digit (checkCode).
  access_code: (t, lower) => hasDigit(t, lower) && hasCodeWord(t, lower),
  email: (t) => t.includes('@'),
  street_address: hasDigit,
  iban: hasDigit,
  payment_card: hasDigit,
  phone: hasDigit,
};

/** The order in which kinds are reported. */
export const REDACTION_KINDS: readonly RedactionKind[] = DETECTORS.map(([kind]) => kind);

/**
 * Replaces e-mail addresses, phone numbers, payment card numbers (Luhn-valid), IBANs (mod-97-valid), private keys,
 * access tokens and API keys, JWTs, bearer tokens and the values of `password=`/`api_key:`-style assignments with
 * `[redacted:<kind>]`. Idempotent: a mask is never masked again, so redacting twice changes nothing further.
 */
export function redact(text: string): Redacted {
  return runDetectors(text, true);
}

/** {@link redact} running every detector, whatever the cheap tests say: what the tests hold it to. */
export function redactEveryDetector(text: string): Redacted {
  return runDetectors(text, false);
}

function runDetectors(text: string, skipImpossible: boolean): Redacted {
  let current = text;
  let lowered: string | undefined;
  const lower = (): string => (lowered ??= current.toLowerCase());
  const masks: Redacted['masks'] = [];
  for (const [kind, detect] of DETECTORS) {
    if (skipImpossible && !MAY_MATCH[kind](current, lower)) continue;
    const result = detect(current);
    if (result.count > 0) {
      current = result.text;
      lowered = undefined;
      masks.push({ kind, count: result.count });
    }
  }
  return { text: current, masks };
}
