import fs from 'node:fs';
import path from 'node:path';
import { CONFIGURATION_DOC, configurationDoc } from '../../scripts/config-doc';
import { FILE_SECRETS } from '../../src/config';
import { VARIABLES } from '../../src/config-variables';

/** The page's text with each table cell trimmed, so that only padding (which Prettier may set differently from the
 * generator for characters it counts as wide) is allowed to differ. */
function content(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split('|')
            .map((cell) => (/^\s*-+\s*$/.test(cell) ? '---' : cell.trim()))
            .join('|')
        : line,
    )
    .join('\n')
    .trim();
}

const CONFIG_SOURCE = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'config.ts'), 'utf8');

it('when docs/configuration.md is read, then it says what npm run docs:config writes from the variables', () => {
  const written = fs.readFileSync(CONFIGURATION_DOC, 'utf8');

  expect(content(written)).toEqual(content(configurationDoc()));
});

it('when a description changes, then the page no longer matches', () => {
  const page = configurationDoc();
  const edited = page.replace('The port the API listens on.', 'The port the API listened on.');

  expect(edited).not.toEqual(page);
  expect(content(edited)).not.toEqual(content(page));
});

it('when a variable is documented, then loadConfig reads it', () => {
  const unread = Object.keys(VARIABLES).filter((name) => {
    const secret = name.replace(/_FILE$/, '');
    if (name !== secret) return !(FILE_SECRETS as readonly string[]).includes(secret);
    return !CONFIG_SOURCE.includes(`'${name}'`) && !CONFIG_SOURCE.includes(`env.${name}`);
  });

  expect(unread).toEqual([]);
});

it('when the page lists the variables, then each appears once with a default and one sentence', () => {
  const names = [...configurationDoc().matchAll(/^\| `([A-Z0-9_]+)`/gm)].map(([, name]) => name);

  expect(names.sort()).toEqual(Object.keys(VARIABLES).sort());
  for (const [name, v] of Object.entries(VARIABLES)) {
    expect({ name, default: v.default.length > 0, sentence: /^[^\n]+\.$/.test(v.doc) }).toEqual({
      name,
      default: true,
      sentence: true,
    });
  }
});
