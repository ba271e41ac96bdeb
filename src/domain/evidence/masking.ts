import type { Evidence, ScanEvidence } from '../finding';
import { REDACTION_KINDS, redact, type Redacted, type RedactionKind } from './redaction';

/** How many of one kind of personal data or secret a text had masked. */
export type Mask = Redacted['masks'][number];

/** What masking hid in a finding's evidence: in the prompt, in the response, and in the scanner's free text (its
 * goal, grader's reason and failed check, counted together). Each list holds only the kinds found, in
 * {@link REDACTION_KINDS} order. */
export interface EvidenceRedactions {
  prompt: Mask[];
  response: Mask[];
  scan: Mask[];
}

/** A finding's evidence as it may be shown without the `evidence:read` scope: the texts masked, and what was
 * masked. */
export interface MaskedEvidence {
  evidence: Evidence;
  scan?: ScanEvidence;
  redactions: EvidenceRedactions;
}

/** Masks summed by kind, in {@link REDACTION_KINDS} order. */
function sumMasks(lists: readonly Mask[][]): Mask[] {
  const counts = new Map<RedactionKind, number>();
  for (const list of lists) for (const m of list) counts.set(m.kind, (counts.get(m.kind) ?? 0) + m.count);
  return REDACTION_KINDS.filter((k) => counts.has(k)).map((kind) => ({ kind, count: counts.get(kind)! }));
}

/** Scanner evidence with its free text masked (the goal may quote the data the attack was after, a grader's reason
 * or a failed check the output that leaked it); identifiers, scores and the target are kept as they are. */
function maskScan(scan: ScanEvidence): { scan: ScanEvidence; masks: Mask[] } {
  const masked: ScanEvidence = { ...scan };
  const found: Mask[][] = [];
  for (const field of ['goal', 'graderReason', 'check'] as const) {
    const text = scan[field];
    if (text === undefined) continue;
    const r = redact(text);
    masked[field] = r.text;
    found.push(r.masks);
  }
  return { scan: masked, masks: sumMasks(found) };
}

/**
 * A finding's evidence with e-mail addresses, phone numbers, payment cards, IBANs, keys, tokens and credentials
 * replaced by `[redacted:<kind>]` (see {@link redact}), in the prompt, the response and the scanner's free text,
 * with what was masked in each. What the report and the API show by default, so that evidence of a leak does not
 * leak again (GDPR Art. 5(1)(c)).
 */
export function maskEvidence(evidence: Evidence, scan?: ScanEvidence): MaskedEvidence {
  const prompt = redact(evidence.prompt);
  const response = redact(evidence.response);
  const scanned = scan ? maskScan(scan) : undefined;
  return {
    evidence: { prompt: prompt.text, response: response.text },
    ...(scanned ? { scan: scanned.scan } : {}),
    redactions: { prompt: prompt.masks, response: response.masks, scan: scanned?.masks ?? [] },
  };
}
