import type { FrameworkSlug } from './frameworks';
import type { Severity } from './severity';

/** A finding without its evidence: what listing and counting need, evidence being most of a finding's bytes. */
export type FindingSummary = Omit<Finding, 'evidence'>;

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
  /** What the scanner recorded about how it judged this finding (imported findings only). */
  scan?: ScanEvidence;
}

/** One detector's verdict on an attempt: its name and its best score over the attempt's outputs and turns. */
export interface DetectorScore {
  detector: string;
  score: number;
}

/** The scanner's own record of how it found a finding, kept so an auditor can trace a row back to the tool's
 * judgement: which probe or plugin attacked, how the attack was delivered, which detectors or grader called it a
 * hit and with what score, against which threshold, and what the attack was after. Each field is there only where
 * the tool wrote it. */
export interface ScanEvidence {
  /** garak probe, `module.Class`. */
  probe?: string;
  /** promptfoo red-team plugin id. */
  plugin?: string;
  /** promptfoo strategy id: how the attack was delivered (`jailbreak:tree`, `base64`, …). */
  strategy?: string;
  /** garak detectors whose score reached the threshold, in the order the file lists them. */
  detectors?: DetectorScore[];
  /** promptfoo's score for the result. */
  score?: number;
  /** The score at or above which garak counted an output as a hit. */
  threshold?: number;
  /** What the attack tried to make the model do. */
  goal?: string;
  /** promptfoo grader's explanation of its verdict. */
  graderReason?: string;
  /** promptfoo provider (the target) the result came from. */
  provider?: string;
  /** For a plain promptfoo eval result: the check that failed. */
  check?: string;
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

/** {@link ScanEvidence} as the API and the database write it (snake_case); fields the tool did not write are
 * left out. */
export type WireScan = Omit<ScanEvidence, 'graderReason'> & { grader_reason?: string };

/** The wire form of scanner evidence. */
export function toWireScan(s: ScanEvidence): WireScan {
  const w: WireScan = {};
  if (s.probe !== undefined) w.probe = s.probe;
  if (s.plugin !== undefined) w.plugin = s.plugin;
  if (s.strategy !== undefined) w.strategy = s.strategy;
  if (s.detectors !== undefined) w.detectors = s.detectors.map((d) => ({ detector: d.detector, score: d.score }));
  if (s.score !== undefined) w.score = s.score;
  if (s.threshold !== undefined) w.threshold = s.threshold;
  if (s.goal !== undefined) w.goal = s.goal;
  if (s.graderReason !== undefined) w.grader_reason = s.graderReason;
  if (s.provider !== undefined) w.provider = s.provider;
  if (s.check !== undefined) w.check = s.check;
  return w;
}

/** Scanner evidence read back from its wire form. */
export function fromWireScan(w: WireScan): ScanEvidence {
  const s: ScanEvidence = {};
  if (w.probe !== undefined) s.probe = w.probe;
  if (w.plugin !== undefined) s.plugin = w.plugin;
  if (w.strategy !== undefined) s.strategy = w.strategy;
  if (w.detectors !== undefined) s.detectors = w.detectors.map((d) => ({ detector: d.detector, score: d.score }));
  if (w.score !== undefined) s.score = w.score;
  if (w.threshold !== undefined) s.threshold = w.threshold;
  if (w.goal !== undefined) s.goal = w.goal;
  if (w.grader_reason !== undefined) s.graderReason = w.grader_reason;
  if (w.provider !== undefined) s.provider = w.provider;
  if (w.check !== undefined) s.check = w.check;
  return s;
}
