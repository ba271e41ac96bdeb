import fs from 'node:fs';
import path from 'node:path';

/**
 * The API is wired in one place, `src/main/compose-api.ts`, and both the server and the test harness call it: were
 * either to build the app, a router or one of the API's parts itself, the tests would run a wiring the server does
 * not (as they once did, without the token cache and with other body limits). These checks read the sources.
 */

const ROOT = path.join(__dirname, '..', '..');
const COMPOSITION_ROOT = 'src/main/compose-api.ts';
const CALLERS = ['src/main/server.ts', 'test/support/harness.ts'];

/** Calls that build the API or one of its parts: the apps, any router, the token cache, the rate limits, the use
 * cases of the reports API. Only the composition root makes them. */
const WIRING_CALLS = [
  /\bcreateApp\(/,
  /\bcreateOpsApp\(/,
  /\b[a-z][A-Za-z]*Router\(/,
  /\brememberTokens\(/,
  /\bnew TokenBuckets\(/,
  /\bnew ApiMetrics\(/,
  /\bcreateReportRequests\(/,
];

const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The TypeScript files under `dir`, relative to the root. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f).split(path.sep).join('/'));
}

/** The value imports of a source (type-only imports build nothing), as module specifiers. */
function valueImports(source: string): string[] {
  return [...source.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)';/gms)].map((m) => m[1]);
}

describe('one composition root for the API', () => {
  it.each(CALLERS)('when %s builds the API, then it calls composeApi from the composition root', (file) => {
    const source = read(file);
    expect(valueImports(source)).toContainEqual(expect.stringMatching(/\/compose-api$|^\.\/compose-api$/));
    expect(source).toMatch(/\bcomposeApi\(/);
  });

  it.each(CALLERS)('when %s is read, then it builds no app, router or API part of its own', (file) => {
    const source = read(file);
    for (const call of WIRING_CALLS)
      expect({ file, call: call.source, found: call.test(source) }).toMatchObject({
        found: false,
      });
    // Nothing of the HTTP layer but its types: what the API is made of comes from the composition root.
    expect(valueImports(source).filter((m) => /\/http\//.test(m))).toEqual([]);
  });

  it('when any source outside the composition root builds the apps, then this fails', () => {
    const builders = ['src', 'test', 'bench', 'scripts']
      .filter((dir) => fs.existsSync(path.join(ROOT, dir)))
      .flatMap(sources)
      .filter((file) => file !== 'src/http/app.ts' && file !== 'test/unit/composition-root.test.ts')
      .filter((file) => /\bcreate(Ops)?App\(/.test(read(file)));
    expect(builders).toEqual([COMPOSITION_ROOT]);
  });

  it('when the harness reads its settings, then they are the configuration the server reads, with its defaults', () => {
    const harness = read('test/support/harness.ts');
    expect(harness).toMatch(/\bloadConfig\(\{[^}]*\}, 'api'\)/);
    expect(read('src/main/server.ts')).toMatch(/\bloadConfig\(process\.env, 'api'\)/);
  });
});
