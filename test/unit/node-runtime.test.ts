import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const majorOf = (version: string): number => Number(/^v?(\d+)\./.exec(version)?.[1]);

/** The release scripts/install.sh fetches and every script puts first on PATH. */
const PINNED = /^NODE_VERSION=(\d+\.\d+\.\d+)$/m.exec(read('scripts/lib.sh'))?.[1] ?? '';
const MAJOR = majorOf(PINNED);

// The runtime is named in four places that nothing else ties together: the scripts, package.json, the lock file and
// the production image. These keep them on one line, so the image never runs a Node the tests did not.
describe('the Node.js release', () => {
  it('when scripts/lib.sh pins it, then it is a whole version of a long-term-support line', () => {
    expect(PINNED).toMatch(/^\d+\.\d+\.\d+$/);
    // Node's even-numbered lines are the ones that become long-term support.
    expect(MAJOR % 2).toBe(0);
  });

  it('when the tests run, then they run on the pinned line or newer', () => {
    expect(majorOf(process.version)).toBeGreaterThanOrEqual(MAJOR);
  });

  it('when package.json and its lock file state the engines, then the floor is the pinned line', () => {
    const manifest = JSON.parse(read('package.json')) as { engines?: unknown };
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: unknown }> };

    expect(manifest.engines).toEqual({ node: `>=${MAJOR}` });
    expect(lock.packages[''].engines).toEqual(manifest.engines);
  });

  it('when the types are compiled, then they describe the pinned line', () => {
    const manifest = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };

    expect(majorOf(manifest.devDependencies['@types/node'])).toBe(MAJOR);
  });

  it('when the production image is built, then its base image is the pinned line', () => {
    expect(read('Dockerfile')).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${MAJOR}-bookworm-slim$`, 'm'));
  });
});
