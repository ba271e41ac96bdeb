import { ConfigError, loadConfig, type Role } from '../../src/config';

/** The problems `loadConfig` reports for `env` in `role`'s process (the worker's unless said), or none. */
export function problemsOf(env: Record<string, string | undefined>, role: Role = 'worker'): readonly string[] {
  try {
    loadConfig(env, role);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}
