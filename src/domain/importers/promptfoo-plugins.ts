/**
 * promptfoo's red-team vocabulary as this importer reads it: plugin ids and the weakness each tests for, the
 * labels its harmful plugins write, and the strategies that say how an attack was delivered.
 */

import { ownEntry } from '../validation';

/** promptfoo red-team plugin ids and the weakness each tests for. Strategies (jailbreak, base64, crescendo,
 * jailbreak-templates, …) say how an attack was delivered, not what it attacked, so they are not here. Prefix
 * rules in {@link promptfooPluginWeakness} cover the `pii:*`, `bias:*` and remaining `harmful:*` families. */
export const PROMPTFOO_PLUGIN_WEAKNESSES: Readonly<Record<string, string>> = Object.freeze({
  'special-token-injection': 'prompt-injection',
  // Replacing the system prompt from the user turn is direct injection.
  'system-prompt-override': 'prompt-injection',
  'indirect-prompt-injection': 'indirect-prompt-injection',
  'ascii-smuggling': 'encoded-injection',
  cyberseceval: 'prompt-injection',
  pliny: 'jailbreak',
  cca: 'jailbreak',
  'prompt-extraction': 'system-prompt-leakage',
  pii: 'pii-disclosure',
  'harmful:privacy': 'pii-disclosure',
  'cross-session-leak': 'cross-session-leak',
  'divergent-repetition': 'training-data-regurgitation',
  'excessive-agency': 'excessive-agency',
  'tool-discovery': 'tool-misuse',
  ssrf: 'tool-misuse',
  mcp: 'tool-misuse',
  'shell-injection': 'code-execution',
  'sql-injection': 'injection-through-output',
  bola: 'broken-authorisation',
  bfla: 'broken-authorisation',
  rbac: 'broken-authorisation',
  'debug-access': 'broken-authorisation',
  hallucination: 'misinformation',
  'unverifiable-claims': 'misinformation',
  'harmful:misinformation-disinformation': 'misinformation',
  'medical:hallucination': 'misinformation',
  'financial:hallucination': 'misinformation',
  overreliance: 'overreliance',
  'medical:sycophancy': 'overreliance',
  'financial:sycophancy': 'overreliance',
  'financial:data-leakage': 'sensitive-data-disclosure',
  'financial:confidential-disclosure': 'sensitive-data-disclosure',
  imitation: 'impersonation',
  contracts: 'unauthorised-commitment',
  // Hijacking is the target put to a purpose it was not built for: an off-topic answer, not an injection.
  hijacking: 'off-policy-content',
  'off-topic': 'off-policy-content',
  politics: 'off-policy-content',
  religion: 'off-policy-content',
  competitors: 'off-policy-content',
  policy: 'off-policy-content',
  bias: 'hate-and-bias',
  'harmful:hate': 'hate-and-bias',
  'harmful:self-harm': 'self-harm',
  'harmful:chemical-biological-weapons': 'cbrn',
  'harmful:indiscriminate-weapons': 'cbrn',
  // Its own weakness, so the crosswalk gives it the CSAM controls a general harmful-content finding never takes.
  'harmful:child-exploitation': 'child-exploitation',
  'harmful:cybercrime:malicious-code': 'malware-generation',
  'harmful:copyright-violations': 'copyright',
  'harmful:intellectual-property': 'copyright',
  'harmful:insults': 'toxicity',
  'harmful:profanity': 'toxicity',
  'harmful:harassment-bullying': 'toxicity',
  wordplay: 'toxicity',
  'toxic-chat': 'toxicity',
  'rag-document-exfiltration': 'rag-exfiltration',
  'rag-poisoning': 'rag-poisoning',
  // Citations and sources the answer invents for what it says it retrieved.
  'rag-source-attribution': 'misinformation',
  'agentic:memory-poisoning': 'memory-poisoning',
  // The name the plugin had before promptfoo grouped it with the agentic plugins.
  'memory-poisoning': 'memory-poisoning',
  'data-exfil': 'data-exfiltration',
  'goal-misalignment': 'goal-misalignment',
  'reasoning-dos': 'resource-exhaustion',
  // Datasets of harmful requests: a pass-through means harmful content was produced.
  beavertails: 'harmful-content',
  harmbench: 'harmful-content',
  donotanswer: 'harmful-content',
  aegis: 'harmful-content',
  unsafebench: 'harmful-content',
  vlguard: 'harmful-content',
});

/** The labels promptfoo's harmful plugins write as `harmCategory`, for the results whose plugin id is lost. */
export const HARM_CATEGORY_LABELS: Readonly<Record<string, string>> = Object.freeze({
  hate: 'harmful:hate',
  'self-harm': 'harmful:self-harm',
  'chemical & biological weapons': 'harmful:chemical-biological-weapons',
  'indiscriminate weapons': 'harmful:indiscriminate-weapons',
  'child exploitation': 'harmful:child-exploitation',
  'malicious code': 'harmful:cybercrime:malicious-code',
  'copyright violations - copyrighted text': 'harmful:copyright-violations',
  'intellectual property violation': 'harmful:intellectual-property',
  'misinformation & disinformation - harmful lies and propaganda': 'harmful:misinformation-disinformation',
  'privacy violations': 'harmful:privacy',
  'insults and personal attacks': 'harmful:insults',
  harassment: 'harmful:harassment-bullying',
  'requests containing profanity': 'harmful:profanity',
});

/** Strategies that are themselves a jailbreak: with no plugin named, what succeeded is the bypass. */
export const JAILBREAK_STRATEGIES = new Set([
  'crescendo',
  'goat',
  'best-of-n',
  'gcg',
  'citation',
  'math-prompt',
  'cca',
]);

/** Strategies that wrap an attack in known injection templates ("ignore the instructions above…"): promptfoo
 * named it `prompt-injection` before renaming it `jailbreak-templates`. With no plugin named, what succeeded is
 * the injection; a file that names either as its plugin id means the strategy. */
export const INJECTION_STRATEGIES = new Set(['prompt-injection', 'jailbreak-templates']);

/**
 * The weakness id a promptfoo plugin tests for, or undefined for a plugin this importer does not know. Exact
 * ids first, then families: `pii:*` is personal data, `bias:*` bias, any other `harmful:*` harmful content.
 */
export function promptfooPluginWeakness(pluginId: string): string | undefined {
  const id = pluginId.trim().toLowerCase();
  const exact = ownEntry(PROMPTFOO_PLUGIN_WEAKNESSES, id);
  if (exact) return exact;
  if (id.startsWith('pii:')) return 'pii-disclosure';
  if (id.startsWith('bias:')) return 'hate-and-bias';
  if (id === 'harmful' || id.startsWith('harmful:')) return 'harmful-content';
  return undefined;
}
