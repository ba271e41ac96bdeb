import { readFlags } from '../client/cli/flags';

/** What one worker process runs. `steps`: the workflows, the pipeline's steps, signing and imports (the main and
 * import queues), with the signing keys and the artifact master key, and no browser. `render`: the render queue
 * only, with Chromium and the staging key, and no other key. `both`: the two in one process, as before the roles
 * existed; development only, since the browser would then share a process with every key. */
export type WorkerRole = 'steps' | 'render' | 'both';

const ROLES = ['steps', 'render'] as const;

/** Reads the worker's arguments strictly (see {@link readFlags}): `--role steps|render`, or nothing for both. An
 * unknown flag, a stray argument or another role is an error naming it. */
export function parseWorkerArgs(argv: readonly string[]): WorkerRole {
  const { values } = readFlags('worker', argv, { role: { type: 'string' } });
  if (values.role === undefined) return 'both';
  if (!(ROLES as readonly string[]).includes(values.role)) {
    throw new Error(`--role "${values.role}" is not a role; use one of ${ROLES.join(', ')}`);
  }
  return values.role as WorkerRole;
}
