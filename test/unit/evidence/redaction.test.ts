import { redact, redactEveryDetector, type RedactionKind } from '../../../src/domain/evidence/redaction';
import { prng } from '../../fixtures/generators/prng';

// Tokens are assembled at run time so that secret scanners do not flag this file; none of them is real.
const GITHUB_TOKEN = 'gh' + 'p_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const GITHUB_PAT =
  'github' + '_pat_' + '11ABCDEFG0123456789abc_defghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW';
const SLACK_TOKEN = 'xo' + 'xb-' + '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
const GOOGLE_KEY = 'AI' + 'za' + 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q';
const OPENAI_KEY = 's' + 'k-proj-' + 'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56';
const ANTHROPIC_KEY = 's' + 'k-ant-api03-' + 'Zx98Yw76Vu54Ts32Rq10Po98Nm76Lk54-AbCd';
// The AWS documentation's example key id.
const AWS_KEY_ID = 'AK' + 'IAIOSFODNN7EXAMPLE';
// jwt.io's example token.
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.' +
  'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PEM_BODY =
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n';
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}-----END PRIVATE KEY-----`;

function only(kind: RedactionKind, count = 1) {
  return [{ kind, count }];
}

describe('redact', () => {
  it.each<[string, string, string, RedactionKind]>([
    ['an e-mail address', 'write to jane.doe+evals@mail.example.co.uk.', 'write to [redacted:email].', 'email'],
    ['an international phone number', 'call +44 20 7946 0958 now', 'call [redacted:phone] now', 'phone'],
    ['a US phone number in brackets', 'ring (202) 555-0143.', 'ring [redacted:phone].', 'phone'],
    ['a national number in groups', 'Tel. 030 12345678', 'Tel. [redacted:phone]', 'phone'],
    ['a dotted national number', 'at 555.123.4567 today', 'at [redacted:phone] today', 'phone'],
    [
      'a spaced card number',
      'card 4111 1111 1111 1111 exp 12/29',
      'card [redacted:payment_card] exp 12/29',
      'payment_card',
    ],
    ['a dashed card number', 'MC 5555-5555-5555-4444', 'MC [redacted:payment_card]', 'payment_card'],
    ['an Amex number', 'amex 378282246310005!', 'amex [redacted:payment_card]!', 'payment_card'],
    ['a grouped IBAN', 'IBAN DE89 3704 0044 0532 0130 00 please', 'IBAN [redacted:iban] please', 'iban'],
    ['a compact IBAN', 'to GB82WEST12345698765432.', 'to [redacted:iban].', 'iban'],
    ['an IBAN followed by capitals', 'FR1420041010050500013M02606 OK', '[redacted:iban] OK', 'iban'],
    ['a PEM private key', `key:\n${PEM}\ndone`, 'key:\n[redacted:private_key]\ndone', 'private_key'],
    [
      'an RSA private key cut off before its END',
      `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\nThe rest was cut.`,
      '[redacted:private_key]\n\nThe rest was cut.',
      'private_key',
    ],
    ['an AWS access key id', `id=${AWS_KEY_ID};`, 'id=[redacted:aws_access_key];', 'aws_access_key'],
    ['a GitHub token', `token ${GITHUB_TOKEN}`, 'token [redacted:github_token]', 'github_token'],
    ['a fine-grained GitHub token', `"${GITHUB_PAT}"`, '"[redacted:github_token]"', 'github_token'],
    ['a Slack token', `slack: ${SLACK_TOKEN}`, 'slack: [redacted:slack_token]', 'slack_token'],
    ['a Google API key', `?key=${GOOGLE_KEY}&q=1`, '?key=[redacted:google_api_key]&q=1', 'google_api_key'],
    ['an OpenAI key', `use ${OPENAI_KEY} here`, 'use [redacted:api_key] here', 'api_key'],
    ['an Anthropic key', `(${ANTHROPIC_KEY})`, '([redacted:api_key])', 'api_key'],
    ['a JWT', `cookie=${JWT}`, 'cookie=[redacted:jwt]', 'jwt'],
    [
      'a bearer token',
      'Authorization: Bearer 2f9a8c7e6d5b4a3f2e1d0c9b8a7f6e5d',
      'Authorization: Bearer [redacted:bearer_token]',
      'bearer_token',
    ],
    [
      'a password assignment',
      'login with password=hunter2!x then',
      'login with password=[redacted:credential] then',
      'credential',
    ],
    [
      'a quoted JSON secret',
      '{"client_secret": "s3cr3t value"}',
      '{"client_secret": "[redacted:credential]"}',
      'credential',
    ],
    [
      'an env-style key',
      'AWS_SECRET_ACCESS_KEY = wJalrXUtnFEMI/K7MDENG',
      'AWS_SECRET_ACCESS_KEY = [redacted:credential]',
      'credential',
    ],
    ['a YAML api key', "api-key: 'abc def'", "api-key: '[redacted:credential]'", 'credential'],
    [
      'a token in a URL',
      'https://x.test/cb?token=abc123&next=1',
      'https://x.test/cb?token=[redacted:credential]&next=1',
      'credential',
    ],
    [
      'a street address',
      'Order 88412 ships to J. Doe, 14 Example Street, Springfield.',
      'Order 88412 ships to J. Doe, [redacted:street_address], Springfield.',
      'street_address',
    ],
    ['an abbreviated street', 'at 221B Baker St. London', 'at [redacted:street_address] London', 'street_address'],
    [
      'an override code',
      'Never reveal the refund override code 7731...',
      'Never reveal the refund override code [redacted:access_code]...',
      'access_code',
    ],
    ['a PIN', 'Your PIN is 0042.', 'Your PIN is [redacted:access_code].', 'access_code'],
    ['a one-time code', 'one-time code: AB-77812', 'one-time code: [redacted:access_code]', 'access_code'],
  ])('when the text holds %s, then it is masked and counted', (_what, input, expected, kind) => {
    expect(redact(input)).toEqual({ text: expected, masks: only(kind) });
  });

  it.each([
    ['a Luhn-invalid 16-digit number', 'order 4111 1111 1111 1112 shipped'],
    ['an IBAN with a wrong check', 'IBAN DE88 3704 0044 0532 0130 00'],
    ['an ISO date', 'released 2026-04-13, then 13.04.2026 10:30'],
    ['a version number', 'garak 0.14.1 and node v20.19.43'],
    // The last uuid's "456-426614174007" is 15 Luhn-valid digits; the letter before it says it is no card.
    ['a uuid', 'run 550e8400-e29b-41d4-a716-446655440000 and 123e4567-e89b-12d3-a456-426614174007'],
    ['a spelt-out address', 'user at example dot com'],
    ['a social media handle', 'follow @jack_dorsey and @OpenAI on X'],
    ['a plain long id', 'ticket 1234567890123 and 9876543210987654321'],
    ['an IPv4 address', 'host 192.168.100.200'],
    ['prose about tokens', 'Use Bearer authentication; max_tokens=256; the secret to success'],
    ['a kebab-case word with sk-', 'the task-management-system-for-everyone'],
    ['an address with no domain', 'root@localhost'],
    ['a status or error code', 'HTTP status code 404, error code E1234, postcode SW1A'],
    ['a code word with no digit', 'the override code word is banana'],
    ['a street with no number', 'I live on Main Street'],
    ['a year before a street-like name', 'In 2024 Google Drive added tabs'],
    ['a route number', 'Route 66 and Highway 101'],
    // 0.4111111111111111 has a Luhn-valid run of 16 digits after its decimal point.
    ['a decimal fraction', 'score 0.4111111111111111 and p=0.5555555555554444'],
  ])('when the text holds %s, then nothing is masked', (_what, input) => {
    expect(redact(input)).toEqual({ text: input, masks: [] });
  });

  it('when the text holds several kinds, then each is counted and the order is fixed', () => {
    const input = [
      `Mail a@x.io or b@y.org, call +1 202 555 0143, pay 4111-1111-1111-1111 or 5555 5555 5555 4444.`,
      `Auth: Bearer ${JWT}`,
      `api_key=${OPENAI_KEY}`,
      `password: "pa ss"`,
    ].join('\n');
    const result = redact(input);
    expect(result.text).toBe(
      [
        'Mail [redacted:email] or [redacted:email], call [redacted:phone], pay [redacted:payment_card] or [redacted:payment_card].',
        'Auth: Bearer [redacted:jwt]',
        'api_key=[redacted:api_key]',
        'password: "[redacted:credential]"',
      ].join('\n'),
    );
    expect(result.masks).toEqual([
      { kind: 'jwt', count: 1 },
      { kind: 'api_key', count: 1 },
      { kind: 'credential', count: 1 },
      { kind: 'email', count: 2 },
      { kind: 'payment_card', count: 2 },
      { kind: 'phone', count: 1 },
    ]);
  });

  it('when text is redacted twice, then the second pass changes nothing and counts nothing', () => {
    const input = `secret='${GOOGLE_KEY}' token=${GITHUB_TOKEN} pwd a@b.co ${PEM} +49 30 1234 5678 DE89370400440532013000`;
    const once = redact(input);
    expect(once.masks.length).toBeGreaterThan(4);
    expect(redact(once.text)).toEqual({ text: once.text, masks: [] });
  });

  it.each([
    ['one long word', 'a'.repeat(65_536)],
    ['digits and spaces', '4 '.repeat(32_768)],
    ['digits', '4'.repeat(65_536)],
    ['at signs between words', 'a@'.repeat(32_768)],
    ['dotted almost-emails', `${'a.'.repeat(20_000)}@${'b.'.repeat(12_000)}`],
    ['JWT-like runs', 'eyJ'.repeat(21_845)],
    ['unterminated key headers', '-----BEGIN PRIVATE KEY-----\n'.repeat(2_340)],
    ['assignment names', 'password'.repeat(8_192)],
    ['bracketed digits', '((1)'.repeat(16_384)],
    ['capitals and digits', 'DE89 '.repeat(13_107)],
    ['phone-like groups', '+1 ('.repeat(16_384)],
    ['key headers with one END far away', `${'-----BEGIN PRIVATE KEY-----\n'.repeat(2_300)}-----END PRIVATE KEY-----`],
  ])('when 64 KiB of adversarial text (%s) is redacted, then it completes', (_what, input) => {
    // No timing assertion: the patterns are bounded and anchored, so this finishing at all is the test (a
    // quadratic pattern would take minutes and hit Jest's timeout).
    expect(redact(input).text.length).toBeGreaterThan(0);
  });

  // redact skips a detector when a cheap test says the text cannot hold a match. The texts are drawn from pieces
  // of every kind, cut, joined and cased at random, so that a test missing a spelling some pattern accepts shows
  // up as a difference from running every detector.
  it('when texts of every kind are drawn at random, then skipping detectors changes no result', () => {
    const pieces = [
      GITHUB_TOKEN,
      GITHUB_PAT,
      SLACK_TOKEN,
      GOOGLE_KEY,
      OPENAI_KEY,
      ANTHROPIC_KEY,
      AWS_KEY_ID,
      JWT,
      PEM,
      'Authorization: Bearer abcdef0123456789abcdef',
      'password=hunter22',
      "client-secret: 'x1'",
      'API_KEY = k9',
      'PIN 0042',
      'override code 7731',
      'one-time key is 998877',
      'OTP: 123456',
      'jane@mail.example.org',
      '+44 20 7946 0958',
      '(202) 555-0143',
      '4111 1111 1111 1111',
      'DE89 3704 0044 0532 0130 00',
      '221B Baker Street',
      'the model answered',
      ' ',
      '\n',
      ':',
      '=',
      '"',
      "'",
      '@',
      '-',
      '0',
      '7',
    ];
    const random = prng(20_261_207);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const recase = (text: string): string => {
      const r = random();
      if (r < 0.2) return text.toUpperCase();
      if (r < 0.4) return text.toLowerCase();
      return text;
    };
    const cut = (text: string): string => {
      if (random() < 0.7) return text;
      const from = Math.floor(random() * text.length);
      return text.slice(from, from + 1 + Math.floor(random() * text.length));
    };
    let masked = 0;
    for (let i = 0; i < 3_000; i++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 6) }, () => recase(cut(pick(pieces))));
      const text = parts.join(pick(['', ' ', '\n', ': ']));
      const expected = redactEveryDetector(text);
      expect(redact(text)).toEqual(expected);
      if (expected.masks.length > 0) masked++;
    }
    // The draw must exercise the detectors, not only texts that hold nothing.
    expect(masked).toBeGreaterThan(1_000);
  });
});
