#!/usr/bin/env node
import { runEvidence } from '../client/cli/run';
import { verifyArtifact } from '../infra/signing/verify-artifact';

/**
 * The user's CLI, `evidence`: a tenant's reports, imports and endpoints through the public API (EVIDENCE_API,
 * EVIDENCE_TOKEN), and the offline verification of a downloaded artifact. Unlike `cli`, the operator's tool, it
 * never reaches the database or Temporal; the artifact check is the service's own, handed to it here.
 */
runEvidence(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  verify: (bytes, keys, jws) => verifyArtifact(Buffer.from(bytes), keys, jws),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
