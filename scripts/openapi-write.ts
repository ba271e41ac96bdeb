import fs from 'node:fs';
import path from 'node:path';
import { breakingChanges } from '../src/http/contract/compatibility';
import { buildOpenApiDocument } from '../src/http/contract/document';

/**
 * Writes openapi/openapi.json, the committed copy of the document the server builds and serves (`npm run
 * openapi:write`). A change that would break a client of the committed copy (see compatibility.ts) is refused
 * unless `--allow-breaking` says it is meant; `--check` writes nothing and fails when the copy differs.
 * test/unit/openapi-document.test.ts fails when the copy differs from the generated document.
 */

/** The repository's folder: the one holding package.json above this file, run from source (tests) or built. */
function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const OPENAPI_COPY = path.join(repositoryRoot(), 'openapi', 'openapi.json');

/** The document as the committed copy holds it: two-space JSON and a final newline. */
export function documentText(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

function main(args: string[]): number {
  const text = documentText();
  const committed = fs.existsSync(OPENAPI_COPY) ? fs.readFileSync(OPENAPI_COPY, 'utf8') : undefined;
  if (committed === text) {
    console.log(`${path.relative(process.cwd(), OPENAPI_COPY)} is up to date`);
    return 0;
  }
  if (args.includes('--check')) {
    console.error(`${OPENAPI_COPY} differs from the generated document; run npm run openapi:write`);
    return 1;
  }
  if (committed !== undefined) {
    const problems = breakingChanges(JSON.parse(committed), JSON.parse(text));
    if (problems.length > 0 && !args.includes('--allow-breaking')) {
      console.error(`The document would break clients of the committed copy:\n  ${problems.join('\n  ')}`);
      console.error('Run with --allow-breaking if that is meant (and say so in the change).');
      return 1;
    }
    if (problems.length > 0) console.warn(`Breaking changes, allowed:\n  ${problems.join('\n  ')}`);
  }
  fs.mkdirSync(path.dirname(OPENAPI_COPY), { recursive: true });
  fs.writeFileSync(OPENAPI_COPY, text);
  console.log(`wrote ${path.relative(process.cwd(), OPENAPI_COPY)}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
