import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The parts of a Compose service these checks read. */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  container_name?: string;
  profiles?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  secrets?: (string | { source: string })[];
  ports?: (string | number | { target?: number; published?: string | number })[];
  networks?: string[] | Record<string, unknown>;
  volumes?: (string | { source?: string; target?: string })[];
}

interface ComposeFile {
  services: Record<string, Service>;
  networks?: Record<string, { internal?: boolean } | null>;
  secrets?: Record<string, { file?: string; environment?: string }>;
}

const ROOT = path.join(__dirname, '..', '..');
const COMPOSE_TEXT = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');

/** A variable whose value would be a credential or a key. */
const SECRET_NAME = /SECRET|PASSWORD|PWD|KEY|TOKEN/;
/** A URL that carries a password (`scheme://user:password@host`). */
const URL_WITH_PASSWORD = /:\/\/[^/\s:@]+:[^/\s@]+@/;
/** What the render worker, which feeds tenants' text to Chromium, may be given: no signing key, no master key, no
 * download-link secret. */
const RENDER_ENVIRONMENT = new Set([
  'MONGO_URL_FILE',
  'MONGO_DB',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'PUBLIC_BASE_URL',
  'CHROMIUM_PATH',
  'CHROMIUM_SANDBOX',
  'RENDER_CONCURRENCY',
  'ARTIFACT_STORE',
  'S3_ENDPOINT',
  'S3_BUCKET',
  'S3_REGION',
  'S3_FORCE_PATH_STYLE',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY_FILE',
  'STAGING_KEY_FILE',
  'HOME',
  'LOG_LEVEL',
]);
const RENDER_SECRETS = new Set(['mongo_url', 's3_app_secret_key', 'staging_key']);

function load(text: string): ComposeFile {
  // Compose resolves YAML merge keys (`<<: *hardening`), so the checks read the file as it does.
  return parse(text, { merge: true }) as ComposeFile;
}

function environmentOf(service: Service): Map<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return new Map(env.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)] as [string, string]));
  }
  return new Map(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

const secretsOf = (service: Service): string[] =>
  (service.secrets ?? []).map((s) => (typeof s === 'string' ? s : s.source));

const networksOf = (service: Service): string[] =>
  Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {});

/** The container side of each published port. */
const containerPortsOf = (service: Service): string[] =>
  (service.ports ?? []).map((p) =>
    typeof p === 'object' ? String(p.target) : (String(p).split(':').pop() ?? '').split('/')[0],
  );

/** The S3 service: the host of the application's S3_ENDPOINT. */
function s3ServiceOf(compose: ComposeFile): string | undefined {
  const endpoint = environmentOf(compose.services.api ?? {}).get('S3_ENDPOINT');
  return endpoint ? new URL(endpoint).hostname : undefined;
}

/** Every way the compose file falls short of running production mode safely, one line each; none for a good file. */
function problemsOf(compose: ComposeFile, gitignore: string): string[] {
  const problems: string[] = [];
  const internal = new Set(
    Object.entries(compose.networks ?? {})
      .filter(([, n]) => n?.internal === true)
      .map(([name]) => name),
  );
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.read_only !== true) problems.push(`${name}: read_only is not true`);
    if (JSON.stringify(service.cap_drop) !== '["ALL"]') problems.push(`${name}: cap_drop is not [ALL]`);
    if (!service.security_opt?.includes('no-new-privileges:true')) {
      problems.push(`${name}: security_opt lacks no-new-privileges:true`);
    }
    if (service.container_name) problems.push(`${name}: has a container_name, so it cannot be scaled`);
    const granted = secretsOf(service);
    for (const [key, value] of environmentOf(service)) {
      if (key.endsWith('_FILE')) {
        const secret = /^\/run\/secrets\/([\w.-]+)$/.exec(value)?.[1];
        if (!secret || !granted.includes(secret)) {
          problems.push(`${name}: ${key} must name a compose secret granted to the service, got "${value}"`);
        }
      } else if (SECRET_NAME.test(key) && !/_KEY_ID$/.test(key) && !/_(DIR|PATH)$/.test(key)) {
        problems.push(`${name}: ${key} is set inline; give it as ${key}_FILE from a compose secret`);
      }
      if (URL_WITH_PASSWORD.test(value)) problems.push(`${name}: ${key} carries a password in a URL`);
      for (const [, variable] of value.matchAll(/\$\{(\w+)/g)) {
        if (SECRET_NAME.test(variable) && !/_KEY_ID$/.test(variable)) {
          problems.push(`${name}: ${key} takes the secret ${variable} from the environment`);
        }
      }
    }
    const ports = containerPortsOf(service);
    const opsPort = environmentOf(service).get('OPS_PORT') ?? '9400';
    if (ports.includes(opsPort) || ports.includes('9400')) problems.push(`${name}: publishes the operations port`);
    if (ports.length > 0 && name !== 'api' && !service.profiles) {
      problems.push(`${name}: publishes a port, though only the API is public`);
    }
    for (const network of networksOf(service)) {
      if (!internal.has(network) && name !== 'api' && !service.profiles) {
        problems.push(`${name}: is on the network ${network}, which is not internal`);
      }
    }
    if (networksOf(service).length === 0) problems.push(`${name}: is on the default network, which is not internal`);
  }
  for (const [secret, source] of Object.entries(compose.secrets ?? {})) {
    if (!source.file?.startsWith('./deploy/secrets/')) {
      problems.push(`secret ${secret}: must be a file in ./deploy/secrets/, got ${JSON.stringify(source)}`);
    }
  }
  if (!/^deploy\/secrets\/$/m.test(gitignore)) problems.push('.gitignore does not keep deploy/secrets/ out of git');

  const render = compose.services['render-worker'];
  if (render) {
    for (const key of environmentOf(render).keys()) {
      if (!RENDER_ENVIRONMENT.has(key)) problems.push(`render-worker: is given ${key}`);
    }
    for (const secret of secretsOf(render)) {
      if (!RENDER_SECRETS.has(secret)) problems.push(`render-worker: is given the secret ${secret}`);
    }
    if ((render.volumes ?? []).length > 0) problems.push('render-worker: mounts a volume');
  }
  const api = compose.services.api;
  if (api) {
    for (const key of environmentOf(api).keys()) {
      if (/^(SIGNING_|JWS_|ARTIFACT_MASTER_KEY)/.test(key)) problems.push(`api: is given ${key}`);
    }
  }
  if (compose.services.temporal?.ports) problems.push('temporal: publishes a port');
  const s3 = s3ServiceOf(compose);
  const s3Image = s3 ? compose.services[s3]?.image : undefined;
  if (!s3Image?.startsWith('chrislusf/seaweedfs:')) {
    problems.push(`the S3 service (${s3}) runs ${s3Image}, not SeaweedFS, the server the tests run against`);
  }
  return problems;
}

describe('docker-compose.yml', () => {
  const compose = load(COMPOSE_TEXT);
  const gitignore = fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8');

  it('when read as compose reads it, then nothing falls short: hardened, no inline secret, only the API public', () => {
    expect(problemsOf(compose, gitignore)).toEqual([]);
  });

  it('when the product runs, then it is the API, the steps worker and the render worker, all from the Dockerfile', () => {
    const built = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

    expect(built.map(([name, s]) => [name, s.command ?? 'image default'])).toEqual([
      ['api', 'image default'],
      ['steps-worker', ['node', 'dist/src/main/worker.js', '--role', 'steps']],
      ['render-worker', ['node', 'dist/src/main/worker.js', '--role', 'render']],
    ]);
  });

  it('when the render worker is configured, then it holds no key but the staging key, and the steps worker signs', () => {
    const render = environmentOf(compose.services['render-worker']);
    const steps = environmentOf(compose.services['steps-worker']);
    const api = environmentOf(compose.services.api);

    expect([...render.keys()].filter((k) => /KEY|SECRET|SIGNING|JWS/.test(k)).sort()).toEqual([
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY_FILE',
      'STAGING_KEY_FILE',
    ]);
    expect(steps.get('SIGNING_P12_PATH')).toBe('/run/secrets/pdf_signing_p12');
    expect(steps.get('SIGNING_P12_PASSWORD_FILE')).toBe('/run/secrets/pdf_signing_p12_password');
    expect(steps.get('JWS_KEYS_DIR')).toBe('/etc/evidence-reports/keys/jws');
    expect(api.get('DOWNLOAD_URL_SECRET_FILE')).toBe('/run/secrets/download_url_secret');
    // The API stages nothing for the workers: the staging key is theirs alone.
    expect(api.get('STAGING_KEY_FILE')).toBeUndefined();
    expect(steps.get('STAGING_KEY_FILE')).toBe('/run/secrets/staging_key');
  });

  it('when ports are published, then only the API answers on the host, and the UI only on loopback by default', () => {
    const published = Object.entries(compose.services)
      .filter(([, s]) => s.ports)
      .map(([name, s]) => [name, s.ports, s.profiles]);

    expect(published).toEqual([
      ['temporal-ui', ['${TEMPORAL_UI_BIND:-127.0.0.1}:8233:8080'], ['ui']],
      ['api', ['${API_BIND:-0.0.0.0}:${API_PORT:-3000}:3000'], undefined],
    ]);
    expect(compose.networks).toMatchObject({ backend: { internal: true } });
    expect(networksOf(compose.services.temporal)).toEqual(['backend']);
  });

  it('when artifacts are stored, then they go to SeaweedFS with credentials from secrets, and no MinIO is shipped', () => {
    expect(s3ServiceOf(compose)).toBe('seaweedfs');
    expect(compose.services.seaweedfs.image).toBe('chrislusf/seaweedfs:${SEAWEEDFS_VERSION:-4.53}');
    expect(secretsOf(compose.services.seaweedfs).sort()).toEqual([
      's3_admin_secret_key',
      's3_app_secret_key',
      'seaweedfs_sse_kek',
    ]);
    expect(COMPOSE_TEXT.toLowerCase()).not.toContain('minio');
  });

  describe('a file that falls short is refused', () => {
    const problemsAfter = (from: string | RegExp, to: string): string[] => {
      const changed = COMPOSE_TEXT.replace(from, to);
      expect(changed).not.toBe(COMPOSE_TEXT);
      return problemsOf(load(changed), gitignore);
    };

    it('when a secret is inline again, even with a default, then it is named', () => {
      expect(
        problemsAfter(
          'DOWNLOAD_URL_SECRET_FILE: /run/secrets/download_url_secret\n      DOWNLOAD_URL_TTL',
          'DOWNLOAD_URL_SECRET: ${DOWNLOAD_URL_SECRET:-change-me}\n      DOWNLOAD_URL_TTL',
        ),
      ).toEqual([
        'api: DOWNLOAD_URL_SECRET is set inline; give it as DOWNLOAD_URL_SECRET_FILE from a compose secret',
        'api: DOWNLOAD_URL_SECRET takes the secret DOWNLOAD_URL_SECRET from the environment',
      ]);
    });

    it('when the database URL carries its password inline, then it is named', () => {
      expect(
        problemsAfter(
          'MONGO_URL_FILE: /run/secrets/mongo_url',
          'MONGO_URL: mongodb://evidence:hunter2@mongodb:27017/evidence',
        ),
      ).toEqual([
        'api: MONGO_URL carries a password in a URL',
        'steps-worker: MONGO_URL carries a password in a URL',
        'render-worker: MONGO_URL carries a password in a URL',
        'render-worker: is given MONGO_URL',
      ]);
    });

    it('when the render worker is handed a signing key, then it is named', () => {
      expect(
        problemsAfter(
          'CHROMIUM_SANDBOX: ${CHROMIUM_SANDBOX:-off}\n    secrets: *worker-secrets',
          'CHROMIUM_SANDBOX: ${CHROMIUM_SANDBOX:-off}\n      SIGNING_P12_PASSWORD_FILE: /run/secrets/pdf_signing_p12_password\n    secrets: [mongo_url, s3_app_secret_key, staging_key, pdf_signing_p12_password]',
        ),
      ).toEqual([
        'render-worker: is given SIGNING_P12_PASSWORD_FILE',
        'render-worker: is given the secret pdf_signing_p12_password',
      ]);
    });

    it('when the hardening is dropped, or the ops port or Temporal published, then each is named', () => {
      expect(
        problemsAfter('x-hardening: &hardening\n  read_only: true', 'x-hardening: &hardening\n  read_only: false'),
      ).toContain('render-worker: read_only is not true');
      expect(problemsAfter("- '${API_BIND:-0.0.0.0}:${API_PORT:-3000}:3000'", "- '9400:9400'")).toEqual([
        'api: publishes the operations port',
      ]);
      expect(
        problemsAfter(
          "    command: ['sh', '/deploy/start-server.sh']",
          "    command: ['sh', '/deploy/start-server.sh']\n    ports: ['7233:7233']",
        ),
      ).toEqual(['temporal: publishes a port, though only the API is public', 'temporal: publishes a port']);
    });

    it('when the S3 service is MinIO again, then it is named', () => {
      expect(
        problemsAfter(
          'image: chrislusf/seaweedfs:${SEAWEEDFS_VERSION:-4.53}\n    <<: *hardening\n    # The image',
          'image: minio/minio\n    <<: *hardening\n    # The image',
        ),
      ).toEqual(['the S3 service (seaweedfs) runs minio/minio, not SeaweedFS, the server the tests run against']);
    });
  });
});
