import type { FrameworkSlug } from './frameworks';
import type { Severity } from './severity';

/** A reference from a finding to one control of one framework. */
export interface FrameworkRef {
  framework: FrameworkSlug;
  control: string;
}

/** Attacker-controlled text captured as evidence: what was sent and what came back. */
export interface Evidence {
  prompt: string;
  response: string;
}

/** A red-team result as the report pipeline sees it. `fingerprint` identifies the same weakness across
 * scan runs and tools; repeats with equal fingerprints on one endpoint merge into one report row. */
export interface Finding {
  id: string;
  tenantId: string;
  endpointId: string;
  title: string;
  category: string;
  severity: Severity;
  detectedAt: string;
  fingerprint: string;
  frameworkRefs: FrameworkRef[];
  evidence: Evidence;
  source?: FindingSource;
}

/** Where a finding came from: the tool that found it and, for imported files, the run and the file. */
export interface FindingSource {
  tool: string;
  toolVersion?: string;
  runId?: string;
  /** sha256 (hex) of the scanner file it was imported from. */
  fileSha256?: string;
}

/** A source as one string: equal for equal sources, and ordering them by tool, version, run, then file. */
export function sourceKey(s: FindingSource): string {
  return JSON.stringify([s.tool, s.toolVersion ?? null, s.runId ?? null, s.fileSha256 ?? null]);
}

/** An endpoint under test. */
export interface Endpoint {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  createdAt?: string;
}
