import fs from 'node:fs';
import path from 'node:path';

/** The service's whole configuration, validated once at start-up. */
export interface Config {
  http: { port: number; host: string; publicBaseUrl: string; bodyLimitBytes: number };
  mongo: { url: string; db: string };
  temporal: { address: string; namespace: string; taskQueue: string };
  /** Where the local artifact store and generated keys live. */
  dataDir: string;
  downloads: { secret?: string; ttlSeconds: number };
  /** PDF signing key as PKCS#12; without a path, a local self-signed key is generated into `dataDir`. */
  signing: { p12Path?: string; p12Password: string };
  render: { chromiumPath: string; concurrency: number; recycleAfter: number; templatesDir: string };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

type Env = Record<string, string | undefined>;

class Problems {
  readonly list: string[] = [];

  string(env: Env, name: string, fallback?: string): string {
    const value = env[name]?.trim();
    if (value) return value;
    if (fallback !== undefined) return fallback;
    this.list.push(`${name} is required`);
    return '';
  }

  int(env: Env, name: string, fallback: number, min: number, max: number): number {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.list.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.list.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  }

  url(env: Env, name: string, fallback: string): string {
    const value = this.string(env, name, fallback);
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
      return value.replace(/\/+$/, '');
    } catch {
      this.list.push(`${name} must be an http(s) URL, got "${value}"`);
      return value;
    }
  }
}

/** Reads and validates the environment, returning a frozen config or throwing one error that names every bad
 * variable. Only the composition roots call this. */
export function loadConfig(env: Env = process.env): Config {
  const p = new Problems();
  const port = p.int(env, 'HTTP_PORT', 3000, 0, 65535);
  const secret = env.DOWNLOAD_URL_SECRET?.trim();
  if (secret !== undefined && secret !== '' && secret.length < 32) {
    p.list.push('DOWNLOAD_URL_SECRET must be at least 32 characters when set');
  }
  const config: Config = {
    http: {
      port,
      host: p.string(env, 'HTTP_HOST', '127.0.0.1'),
      publicBaseUrl: p.url(env, 'PUBLIC_BASE_URL', `http://127.0.0.1:${port}`),
      bodyLimitBytes: p.int(env, 'HTTP_BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    },
    mongo: {
      url: p.string(env, 'MONGO_URL', 'mongodb://127.0.0.1:27017'),
      db: p.string(env, 'MONGO_DB', 'evidence'),
    },
    temporal: {
      address: p.string(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233'),
      namespace: p.string(env, 'TEMPORAL_NAMESPACE', 'default'),
      taskQueue: p.string(env, 'TEMPORAL_TASK_QUEUE', 'reports'),
    },
    dataDir: path.resolve(p.string(env, 'DATA_DIR', '.data/dev/app')),
    downloads: {
      secret: secret || undefined,
      ttlSeconds: p.int(env, 'DOWNLOAD_URL_TTL_SECONDS', 300, 10, 86_400),
    },
    signing: {
      p12Path: env.SIGNING_P12_PATH?.trim() ? path.resolve(env.SIGNING_P12_PATH.trim()) : undefined,
      p12Password: env.SIGNING_P12_PASSWORD ?? '',
    },
    render: {
      chromiumPath: p.string(env, 'CHROMIUM_PATH', '/usr/bin/chromium'),
      concurrency: p.int(env, 'RENDER_CONCURRENCY', 2, 1, 16),
      recycleAfter: p.int(env, 'RENDER_RECYCLE_AFTER', 100, 1, 100_000),
      templatesDir: path.resolve(p.string(env, 'TEMPLATES_DIR', path.join(projectRoot(), 'templates'))),
    },
    logLevel: p.oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  };
  if (p.list.length > 0) throw new Error(`Invalid configuration:\n  - ${p.list.join('\n  - ')}`);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The folder holding package.json above this file, whether it runs from source or from the build output. */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
