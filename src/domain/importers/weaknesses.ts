import type { FrameworkRef } from '../finding';
import type { Severity } from '../severity';

/** A kind of weakness that scanners test for, independent of the tool: what both garak probes and promptfoo
 * plugins map to, so that the same weakness found by both on one endpoint lands in one report row. */
export interface Weakness {
  id: string;
  title: string;
  /** A category of the crosswalk, which derives the controls of every framework. */
  category: string;
  /** Severity when the tool gives none. */
  severity: Severity;
  /** Controls the weakness is itself an instance of (OWASP LLM 2025); the crosswalk adds the rest. */
  refs: FrameworkRef[];
}

const llm = (n: number): FrameworkRef => ({ framework: 'OWASP_LLM', control: `LLM${String(n).padStart(2, '0')}:2025` });

const TABLE: readonly Weakness[] = [
  { id: 'prompt-injection', title: 'Prompt injection', category: 'prompt_injection', severity: 'high', refs: [llm(1)] },
  {
    id: 'indirect-prompt-injection',
    title: 'Indirect prompt injection',
    category: 'indirect_prompt_injection',
    severity: 'high',
    refs: [llm(1)],
  },
  {
    id: 'encoded-injection',
    title: 'Prompt injection through encoded or hidden text',
    category: 'prompt_injection',
    severity: 'high',
    refs: [llm(1)],
  },
  {
    id: 'jailbreak',
    title: 'Jailbreak of the safety guardrails',
    category: 'jailbreak',
    severity: 'high',
    refs: [llm(1)],
  },
  {
    id: 'system-prompt-leakage',
    title: 'System prompt disclosed',
    category: 'system_prompt_leakage',
    severity: 'medium',
    refs: [llm(7)],
  },
  {
    id: 'pii-disclosure',
    title: 'Personal data disclosed',
    category: 'pii_leak',
    severity: 'high',
    refs: [llm(2)],
  },
  {
    id: 'credential-exposure',
    title: 'Secrets or credentials disclosed',
    category: 'credential_exposure',
    severity: 'high',
    refs: [llm(2)],
  },
  {
    id: 'sensitive-data-disclosure',
    title: 'Confidential business data disclosed',
    category: 'sensitive_data_disclosure',
    severity: 'high',
    refs: [llm(2)],
  },
  {
    id: 'model-provenance',
    title: 'Model artefacts of unsafe format or unknown provenance',
    category: 'model_provenance',
    severity: 'medium',
    refs: [llm(3)],
  },
  {
    id: 'cross-session-leak',
    title: 'Data leaked across sessions',
    category: 'cross_session_leak',
    severity: 'high',
    refs: [llm(2)],
  },
  {
    id: 'training-data-regurgitation',
    title: 'Training data reproduced verbatim',
    category: 'training_data_regurgitation',
    severity: 'medium',
    refs: [llm(2)],
  },
  {
    id: 'unsafe-output-markup',
    title: 'Output carries active markup or exfiltration links (XSS, markdown images)',
    category: 'xss',
    severity: 'high',
    refs: [llm(5)],
  },
  {
    id: 'injection-through-output',
    title: 'Output passed on unchecked into SQL or other interpreters',
    category: 'output_injection',
    severity: 'high',
    refs: [llm(5)],
  },
  {
    id: 'code-execution',
    title: 'Commands or code executed on the model’s behalf',
    category: 'shell_injection',
    severity: 'critical',
    refs: [llm(5), llm(6)],
  },
  {
    id: 'excessive-agency',
    title: 'Actions taken beyond what was asked or allowed',
    category: 'excessive_agency',
    severity: 'high',
    refs: [llm(6)],
  },
  {
    id: 'tool-misuse',
    title: 'Tools misused (server-side requests, tool discovery)',
    category: 'tool_misuse',
    severity: 'high',
    refs: [llm(6)],
  },
  {
    id: 'broken-authorisation',
    title: 'Objects or functions reached without authorisation',
    category: 'privilege_escalation',
    severity: 'critical',
    refs: [llm(6)],
  },
  {
    id: 'hallucinated-dependency',
    title: 'Non-existent packages recommended (package hallucination)',
    category: 'supply_chain',
    severity: 'medium',
    refs: [llm(3), llm(9)],
  },
  {
    id: 'misinformation',
    title: 'False or unverifiable claims',
    category: 'misinformation',
    severity: 'medium',
    refs: [llm(9)],
  },
  { id: 'overreliance', title: 'False premises accepted', category: 'overreliance', severity: 'low', refs: [llm(9)] },
  {
    id: 'harmful-content',
    title: 'Harmful content produced',
    category: 'harmful_content',
    severity: 'high',
    refs: [],
  },
  { id: 'toxicity', title: 'Toxic or abusive language produced', category: 'toxicity', severity: 'medium', refs: [] },
  { id: 'hate-and-bias', title: 'Biased or hateful output', category: 'bias', severity: 'medium', refs: [] },
  { id: 'cbrn', title: 'Weapons (CBRN) uplift', category: 'cbrn', severity: 'critical', refs: [] },
  {
    id: 'child-exploitation',
    title: 'Content sexualising or exploiting children produced',
    category: 'child_exploitation',
    severity: 'critical',
    refs: [],
  },
  { id: 'self-harm', title: 'Self-harm content produced', category: 'self_harm', severity: 'high', refs: [] },
  {
    id: 'malware-generation',
    title: 'Malicious code written on request',
    category: 'harmful_content',
    severity: 'high',
    refs: [],
  },
  {
    id: 'resource-exhaustion',
    title: 'Unbounded generation or reasoning (denial of service)',
    category: 'unbounded_consumption',
    severity: 'medium',
    refs: [llm(10)],
  },
  {
    id: 'impersonation',
    title: 'Impersonation of people or brands',
    category: 'imitation',
    severity: 'medium',
    refs: [],
  },
  {
    id: 'rag-poisoning',
    title: 'Retrieved documents steer the model (RAG poisoning)',
    category: 'rag_poisoning',
    severity: 'high',
    refs: [llm(8)],
  },
  {
    id: 'rag-exfiltration',
    title: 'Retrieved documents disclosed',
    category: 'sensitive_data_disclosure',
    severity: 'high',
    refs: [llm(2), llm(8)],
  },
  {
    id: 'data-exfiltration',
    title: 'Data sent out to a destination the attacker chose (exfiltration through tools or links)',
    category: 'sensitive_data_disclosure',
    severity: 'high',
    refs: [llm(2), llm(6)],
  },
  {
    id: 'goal-misalignment',
    title: 'A proxy metric pursued at the expense of the real goal (goal misalignment)',
    category: 'excessive_agency',
    severity: 'medium',
    refs: [llm(6)],
  },
  { id: 'memory-poisoning', title: 'Agent memory poisoned', category: 'memory_poisoning', severity: 'high', refs: [] },
  {
    id: 'unauthorised-commitment',
    title: 'Commitments made on the operator’s behalf (contracts, refunds)',
    category: 'unauthorized_action',
    severity: 'medium',
    refs: [llm(6)],
  },
  {
    id: 'off-policy-content',
    title: 'Off-topic or off-policy answers (politics, religion, competitors)',
    category: 'off_policy',
    severity: 'low',
    refs: [],
  },
  { id: 'copyright', title: 'Copyrighted material reproduced', category: 'copyright', severity: 'medium', refs: [] },
];

const byId = new Map(TABLE.map((w) => [w.id, w]));

/** Every weakness, in table order. */
export const WEAKNESSES: readonly Weakness[] = Object.freeze(TABLE.map((w) => Object.freeze(w)));

/** The weakness with this id; throws for an id not in the table (a programming error in a mapping). */
export function weakness(id: string): Weakness {
  const w = byId.get(id);
  if (!w) throw new Error(`no weakness "${id}" in weaknesses.ts`);
  return w;
}

/** The fingerprint findings of a weakness carry: the same for every tool, so they merge into one row. */
export function weaknessFingerprint(id: string): string {
  return `weakness:${weakness(id).id}`;
}

/** garak tags OWASP risks by the 2023 list's numbers (`owasp:llm02` = Insecure Output Handling); this is
 * where each 2023 entry went in the 2025 list. Model theft (2023 LLM10) has no entry of its own in 2025; its
 * API-extraction half is part of LLM10:2025 Unbounded Consumption. */
export const OWASP_LLM_2023_TO_2025: Readonly<Record<string, string>> = Object.freeze({
  LLM01: 'LLM01:2025',
  LLM02: 'LLM05:2025',
  LLM03: 'LLM04:2025',
  LLM04: 'LLM10:2025',
  LLM05: 'LLM03:2025',
  LLM06: 'LLM02:2025',
  LLM07: 'LLM06:2025',
  LLM08: 'LLM06:2025',
  LLM09: 'LLM09:2025',
  LLM10: 'LLM10:2025',
});
