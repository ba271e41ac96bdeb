import fs from 'node:fs';
import path from 'node:path';

/**
 * Every script that starts a stack of its own (the dev stack of up.sh, the test stack, the benchmarks' and the
 * history recorder's) must be able to run while the others are up, so no two may share a default port. These
 * checks read the defaults as the scripts write them.
 */

const ROOT = path.join(__dirname, '..', '..');
const SCRIPTS = path.join(ROOT, 'scripts');

/** The ports a stack's services listen on, named by the variables scripts/stack.sh reads. */
const PORT_SETTINGS = ['TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'MONGO_PORT', 'TSA_PORT', 'S3_PORT'] as const;
type PortSetting = (typeof PORT_SETTINGS)[number];

/** SeaweedFS's master, volume and filer servers take the seven ports after S3_PORT (see scripts/stack.sh). */
const SEAWEEDFS_EXTRA_PORTS = 7;

/** The first port of Linux's default range for outgoing connections: a default below it is never held by a client
 * connection of the moment when a service starts and binds it. */
const EPHEMERAL_PORTS_START = 32768;

interface Stack {
  script: string;
  ports: Record<PortSetting, number>;
  /** Ports of the stack's processes besides its infrastructure (the dev stack's API server). */
  others: Record<string, number>;
}

/** The defaults stack_env in scripts/lib.sh gives a setting nobody set: the dev stack's ports. */
function libDefaults(lib: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const [, name, value] of lib.matchAll(/^\s*: "\$\{([A-Z0-9_]+_PORT):=(\d+)\}"/gm)) {
    found[name!] = Number(value);
  }
  return found;
}

/** The stacks the scripts start, with the ports each chooses: a script that starts one and sets none of the port
 * settings gets stack_env's defaults, which makes it the dev stack; one that sets only some gets the dev stack's for
 * the rest, which is the collision this test is for, so that is refused. */
function stacksOf(scripts: Record<string, string>, lib: string): { stacks: Stack[]; problems: string[] } {
  const defaults = libDefaults(lib);
  const stacks: Stack[] = [];
  const problems: string[] = [];
  for (const [script, text] of Object.entries(scripts)) {
    if (!/\/scripts\/stack\.sh" up\b/.test(text)) continue;
    const set: Partial<Record<PortSetting, number>> = {};
    for (const name of PORT_SETTINGS) {
      const match = new RegExp(`^export ${name}="\\$\\{[A-Z0-9_]+:-(\\d+)\\}"`, 'm').exec(text);
      if (match) set[name] = Number(match[1]);
    }
    const missing = PORT_SETTINGS.filter((name) => set[name] === undefined);
    if (missing.length > 0 && missing.length < PORT_SETTINGS.length) {
      problems.push(`${script} sets no default for ${missing.join(', ')}, so it takes the dev stack's`);
    }
    const dev = missing.length === PORT_SETTINGS.length;
    const ports = Object.fromEntries(PORT_SETTINGS.map((name) => [name, set[name] ?? defaults[name]])) as Record<
      PortSetting,
      number
    >;
    const others: Record<string, number> = dev ? { HTTP_PORT: defaults.HTTP_PORT!, OPS_PORT: defaults.OPS_PORT! } : {};
    stacks.push({ script, ports, others });
  }
  return { stacks, problems };
}

/** Every port a stack takes, each with what takes it. */
function portsTaken(stack: Stack): [number, string][] {
  const taken: [number, string][] = PORT_SETTINGS.map((name) => [stack.ports[name], name]);
  for (let i = 1; i <= SEAWEEDFS_EXTRA_PORTS; i++) taken.push([stack.ports.S3_PORT + i, `S3_PORT+${i}`]);
  for (const [name, port] of Object.entries(stack.others)) taken.push([port, name]);
  return taken;
}

/** Each port two stacks (or one stack twice) would take, named. */
function collisions(stacks: Stack[]): string[] {
  const owners = new Map<number, string>();
  const found: string[] = [];
  for (const stack of stacks) {
    for (const [port, what] of portsTaken(stack)) {
      const owner = owners.get(port);
      if (owner) found.push(`port ${port}: ${owner} and ${stack.script} (${what})`);
      else owners.set(port, `${stack.script} (${what})`);
    }
  }
  return found;
}

function readScripts(): Record<string, string> {
  const scripts: Record<string, string> = {};
  for (const file of fs.readdirSync(SCRIPTS).filter((f) => f.endsWith('.sh'))) {
    scripts[`scripts/${file}`] = fs.readFileSync(path.join(SCRIPTS, file), 'utf8');
  }
  return scripts;
}

const LIB = fs.readFileSync(path.join(SCRIPTS, 'lib.sh'), 'utf8');
const { stacks, problems } = stacksOf(readScripts(), LIB);

it('when the scripts are read, then every stack they start is found, the dev stack among them', () => {
  expect(stacks.map((s) => s.script).sort()).toEqual([
    'scripts/bench-fairness.sh',
    'scripts/bench-findings.sh',
    'scripts/bench-import.sh',
    'scripts/bench-load.sh',
    'scripts/bench-model.sh',
    'scripts/record-histories.sh',
    'scripts/test.sh',
    'scripts/up.sh',
  ]);
  expect(stacks.find((s) => s.script === 'scripts/up.sh')?.ports).toEqual({
    TEMPORAL_PORT: 7233,
    TEMPORAL_UI_PORT: 8233,
    MONGO_PORT: 27017,
    TSA_PORT: 8433,
    S3_PORT: 8333,
  });
});

it('when a script starts a stack, then it chooses every port of it rather than taking some of the dev stack', () => {
  expect(problems).toEqual([]);
});

it('when every stack is up at once, then no two take the same port', () => {
  expect(collisions(stacks)).toEqual([]);
});

it('when a stack starts, then none of its default ports is in the range of outgoing connections', () => {
  const high = stacks.flatMap((s) => portsTaken(s).filter(([port]) => port >= EPHEMERAL_PORTS_START));
  expect(high).toEqual([]);
});

it('when a benchmark leaves out its S3 port, then it is named as taking the dev stack one, and the two collide', () => {
  const benchmark = [
    'export TEMPORAL_PORT="${BENCH_TEMPORAL_PORT:-27333}"',
    'export TEMPORAL_UI_PORT="${BENCH_TEMPORAL_UI_PORT:-28333}"',
    'export MONGO_PORT="${BENCH_MONGO_PORT:-27117}"',
    'export TSA_PORT="${BENCH_TSA_PORT:-27353}"',
    '"$REPO_ROOT/scripts/stack.sh" up',
  ].join('\n');
  const found = stacksOf({ 'up.sh': '"$REPO_ROOT/scripts/stack.sh" up', 'bench.sh': benchmark }, LIB);

  expect(found.problems).toEqual(["bench.sh sets no default for S3_PORT, so it takes the dev stack's"]);
  expect(collisions(found.stacks)).toContain('port 8333: up.sh (S3_PORT) and bench.sh (S3_PORT)');
});

it('when the local stack is documented, then its table of ports says what the scripts choose', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'local-stack.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `(scripts\/[a-z-]+\.sh)`[^|]*\|([^\n]+)$/gm)].map(([, script, rest]) => {
    const [temporal, ui, tsa, mongo, s3] = rest!.split('|').map((cell) => Number(/\d+/.exec(cell)?.[0]));
    return {
      script,
      ports: { TEMPORAL_PORT: temporal, TEMPORAL_UI_PORT: ui, MONGO_PORT: mongo, TSA_PORT: tsa, S3_PORT: s3 },
    };
  });

  expect(rows.sort((a, b) => a.script!.localeCompare(b.script!))).toEqual(
    stacks.map(({ script, ports }) => ({ script, ports })).sort((a, b) => a.script.localeCompare(b.script)),
  );
});
