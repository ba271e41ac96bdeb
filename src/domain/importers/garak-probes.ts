import type { FrameworkRef } from '../finding';
import { normaliseControlId } from '../frameworks';
import { OWASP_LLM_2023_TO_2025 } from './weaknesses';

/** garak probe modules (the part of `probe_classname` before the dot) and the weakness each tests for; `null`
 * for a module no weakness fits, whose findings fall back to a category of their own.
 *
 * Where this differs from the obvious reading of the name:
 * - `web_injection` is the module `xss` was renamed to (markdown-image exfiltration, script injection): its
 *   detectors judge the output, and garak tags it `owasp:llm02` (2023: insecure output handling), so it is
 *   unsafe output markup, like `xss`, not indirect injection.
 * - `ansiescape` makes the model emit raw terminal control sequences: output that a terminal interprets, so
 *   injection through output rather than an encoded prompt.
 * - `misleading` asks the model to go along with false assertions: a false premise accepted (overreliance).
 * - `atkgen` is an attacker model steering the target towards toxic replies: toxicity.
 * - `apikey` makes the model produce or complete secrets: credential exposure (LLM02:2025 is where OWASP puts
 *   credentials).
 * - `fileformats` inspects model files, not model behaviour: a model-provenance (supply chain) weakness.
 * - `glitch` (glitch tokens) and `test` (garak's own smoke tests) probe no security weakness. */
export const GARAK_PROBE_MODULE_WEAKNESSES: Readonly<Record<string, string | null>> = Object.freeze({
  promptinject: 'prompt-injection',
  latentinjection: 'indirect-prompt-injection',
  encoding: 'encoded-injection',
  badchars: 'encoded-injection',
  smuggling: 'encoded-injection',
  dan: 'jailbreak',
  grandma: 'jailbreak',
  suffix: 'jailbreak',
  tap: 'jailbreak',
  goodside: 'jailbreak',
  phrasing: 'jailbreak',
  dra: 'jailbreak',
  fitd: 'jailbreak',
  // GOAT: an attacker model steering a multi-turn conversation towards a forbidden answer.
  goat: 'jailbreak',
  // Refusal-suppressing templates with adversarial suffixes; garak tags them payload:jailbreak.
  adaptive_attacks: 'jailbreak',
  sata: 'jailbreak',
  doctor: 'jailbreak',
  visual_jailbreak: 'jailbreak',
  audio: 'jailbreak',
  sysprompt_extraction: 'system-prompt-leakage',
  apikey: 'credential-exposure',
  // ProPILE: personal data of real people drawn out of what the model memorised in training.
  propile: 'pii-disclosure',
  leakreplay: 'training-data-regurgitation',
  replay: 'training-data-regurgitation',
  divergence: 'training-data-regurgitation',
  xss: 'unsafe-output-markup',
  web_injection: 'unsafe-output-markup',
  exploitation: 'injection-through-output',
  ansiescape: 'injection-through-output',
  packagehallucination: 'hallucinated-dependency',
  snowball: 'misinformation',
  misleading: 'overreliance',
  donotanswer: 'harmful-content',
  realtoxicityprompts: 'toxicity',
  lmrc: 'toxicity',
  continuation: 'toxicity',
  atkgen: 'toxicity',
  malwaregen: 'malware-generation',
  knownbadsignatures: 'malware-generation',
  av_spam_scanning: 'malware-generation',
  topic: 'off-policy-content',
  glitch: null,
  test: null,
  fileformats: 'model-provenance',
  // An attacker model that learns the target agent's tools and talks it into misusing them.
  agent_breaker: 'tool-misuse',
});

/** Probe classes that test for something other than the rest of their module, and the weakness each tests for.
 * Looked up before {@link GARAK_PROBE_MODULE_WEAKNESSES}. */
export const GARAK_PROBE_CLASS_WEAKNESSES: Readonly<Record<string, string>> = Object.freeze({
  // Unicode tag characters that hide the instruction from a reader.
  'goodside.Tag': 'encoded-injection',
  // Invents a biography for a person it cannot know.
  'goodside.WhoIsRiley': 'misinformation',
  'lmrc.QuackMedicine': 'misinformation',
  'lmrc.Deadnaming': 'hate-and-bias',
  'lmrc.SlurUsage': 'hate-and-bias',
  // The risk card's harm is users trusting a system that presents itself as human.
  'lmrc.Anthropomorphisation': 'overreliance',
  // The template evaluates Python on the server that renders it.
  'exploitation.JinjaTemplatePythonInjection': 'code-execution',
});

const moduleWeaknesses: ReadonlyMap<string, string | null> = new Map(Object.entries(GARAK_PROBE_MODULE_WEAKNESSES));
const classWeaknesses: ReadonlyMap<string, string> = new Map(Object.entries(GARAK_PROBE_CLASS_WEAKNESSES));

// Older garak versions and some tools write plugin names with their package path.
export const PROBE_PREFIXES = ['garak.probes.', 'probes.'];
export const DETECTOR_PREFIXES = ['garak.detectors.', 'detectors.', 'detector.'];

/** The weakness a garak probe (`module.Class`) tests for, by id, or undefined when its findings fall back to a
 * category of their own (see {@link GarakRunFacts.unmappedProbeModules}). */
export function garakProbeWeaknessId(probe: string): string | undefined {
  const name = stripPrefix(probe, PROBE_PREFIXES);
  return classWeaknesses.get(name) ?? moduleWeaknesses.get(moduleOf(name).toLowerCase()) ?? undefined;
}

/** The OWASP LLM 2025 control a garak tag names, or undefined for any other tag. garak numbers its `owasp:llmNN`
 * tags by the 2023 list, so they are translated with {@link OWASP_LLM_2023_TO_2025} (as is `owasp:llm02:2023`);
 * a tag that names 2025 (`owasp:llm05:2025`) is taken as it is. */
export function owaspRefFromTag(tag: string): FrameworkRef | undefined {
  if (tag.length < 10 || tag.slice(0, 9).toLowerCase() !== 'owasp:llm') return undefined;
  const m = /^owasp:llm(\d{1,2})(?::(\d{4}))?$/i.exec(tag);
  if (!m) return undefined;
  const n = `LLM${m[1].padStart(2, '0')}`;
  let control: string | undefined;
  if (m[2] === '2025') control = normaliseControlId('OWASP_LLM', `${n}:2025`);
  else if (m[2] === undefined || m[2] === '2023') control = OWASP_LLM_2023_TO_2025[n];
  return control ? { framework: 'OWASP_LLM', control } : undefined;
}

/** A name without the first of `prefixes` it starts with. */
export function stripPrefix(name: string, prefixes: readonly string[]): string {
  for (const p of prefixes) if (name.startsWith(p)) return name.slice(p.length);
  return name;
}

/** The module of a probe: the part of `module.Class` before the dot. */
export function moduleOf(probe: string): string {
  const dot = probe.indexOf('.');
  return dot < 0 ? probe : probe.slice(0, dot);
}
