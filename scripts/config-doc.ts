import fs from 'node:fs';
import path from 'node:path';
import { VARIABLES, VARIABLE_GROUPS, type VariableDoc } from '../src/config-variables';

/**
 * Writes docs/configuration.md from the variables' own documentation in src/config-variables.ts (`npm run
 * docs:config`). test/unit/configuration-doc.test.ts fails when the file differs from what this writes, so the page
 * cannot drift from the code.
 */

/** The repository's folder: the one holding package.json above this file, run from source (tests) or built. */
function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const CONFIGURATION_DOC = path.join(repositoryRoot(), 'docs', 'configuration.md');

const INTRO = `# Configuration

<!-- Written by \`npm run docs:config\` from src/config-variables.ts: edit the descriptions there, not here. -->

Every process reads its configuration once at start-up, by \`loadConfig\` (\`src/config.ts\`), which names every bad
variable at once and refuses to start. With \`NODE_ENV=production\` (the image sets it) the defaults marked
"generated" do not apply: see [What production requires](production.md#what-production-requires). Each process reads
only what its job needs: the render worker, for one, never reads a signing key, the artifact master key or the
download secret, even when they are in its environment.
`;

/** A Markdown table with its columns padded as Prettier pads them, so the file passes \`prettier --check\`. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The whole page, as docs/configuration.md should read. */
export function configurationDoc(): string {
  const entries = Object.entries(VARIABLES) as [string, VariableDoc][];
  const sections = (Object.keys(VARIABLE_GROUPS) as VariableDoc['group'][]).map((group) => {
    const rows = entries.filter(([, v]) => v.group === group).map(([name, v]) => [`\`${name}\``, v.default, v.doc]);
    return `## ${VARIABLE_GROUPS[group]}\n\n${table(['variable', 'default', 'meaning'], rows)}\n`;
  });
  return [INTRO, ...sections].join('\n');
}

if (require.main === module) {
  fs.writeFileSync(CONFIGURATION_DOC, configurationDoc());
  process.stdout.write(`wrote ${path.relative(process.cwd(), CONFIGURATION_DOC)}\n`);
}
