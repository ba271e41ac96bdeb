import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.join(__dirname, '..', '..', '..');
const TYPES = path.join(ROOT, 'src/client/api-types.ts');
const execute = promisify(execFile);

/** What `npm run client:types` writes for the document at `file`. openapi-typescript is run as its own program:
 * it is an ES module that jest's module loader cannot require. */
async function generated(file: string): Promise<string> {
  const cli = path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');
  const { stdout } = await execute(process.execPath, [cli, file], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

jest.setTimeout(30_000);

describe("the client's types", () => {
  it('when the committed types are compared with what the committed document generates, then they are the same (npm run client:types)', async () => {
    expect(await fs.readFile(TYPES, 'utf8')).toBe(await generated('openapi/openapi.json'));
  });

  it('when the document gains a field, then the generated types differ from the committed ones', async () => {
    const document = JSON.parse(await fs.readFile(path.join(ROOT, 'openapi/openapi.json'), 'utf8')) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    document.components.schemas.Endpoint.properties.owner = { type: 'string' };
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'client-types-'));
    try {
      await fs.writeFile(path.join(dir, 'openapi.json'), JSON.stringify(document));
      const changed = await generated(path.join(dir, 'openapi.json'));
      expect(changed).toContain('owner?: string;');
      expect(changed).not.toBe(await fs.readFile(TYPES, 'utf8'));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
