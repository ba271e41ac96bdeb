import type { FrameworkRef } from '../finding';
import type { Severity } from '../severity';
import { isPlainObject } from '../validation';
import { PROBE_PREFIXES, garakProbeWeaknessId, moduleOf, owaspRefFromTag, stripPrefix } from './garak-probes';
import { garakProbeCategory } from './garak-run';
import { describe, quote } from './garak-values';
import { importError } from './types';
import { weakness, weaknessFingerprint } from './weaknesses';

/** How many unmapped probe modules the reader's run facts list: a hostile file could name a new module on
 * every line, and the reader keeps no state that grows with the file. */
export const MAX_LISTED_MODULES = 64;

/** How many probes' facts, and how many probes' tags, are remembered at most. */
export const MAX_CACHED_PROBES = 1024;

/** A probe as garak names it, without its package prefixes: `module.Class`. */
const PROBE_NAME = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+$/;
/** What every finding of one probe shares. */
export interface ProbeFacts {
  title: string;
  category: string;
  severity: Severity;
  fingerprint: string;
  refs: readonly FrameworkRef[];
}

/**
 * What a garak file's reader knows of its probes: the finding facts each probe maps to (its weakness's title,
 * category, severity, fingerprint and refs, from the tables in garak-probes.ts), the OWASP refs the file's own tags
 * give a probe, and the probe modules no weakness fits. Bounded: a hostile file naming a new probe on every line
 * makes neither map grow past {@link MAX_CACHED_PROBES}.
 */
export class GarakProbeFacts {
  private readonly probes = new Map<string, ProbeFacts>();
  private readonly taggedRefs = new Map<string, FrameworkRef[]>();
  private readonly unmapped = new Set<string>();

  /** The probe modules whose findings fell back to a category of their own, sorted. */
  unmappedModules(): string[] {
    return [...this.unmapped].sort();
  }

  /** The OWASP refs the file's tags gave a probe, if any. */
  tagged(probe: string): readonly FrameworkRef[] | undefined {
    return this.taggedRefs.get(probe);
  }

  /** The weakness refs, then OWASP refs from the probe's digest tags and the line's own tags, without repeats. */
  refs(base: readonly FrameworkRef[], probe: string, line: Record<string, unknown>): FrameworkRef[] {
    const refs = base.map((r) => ({ framework: r.framework, control: r.control }));
    const add = (ref: FrameworkRef): void => {
      if (!refs.some((r) => r.framework === ref.framework && r.control === ref.control)) refs.push(ref);
    };
    const tagged = this.taggedRefs.get(probe);
    if (tagged) for (const ref of tagged) add({ ...ref });
    const notes = line.notes;
    for (const tags of [line.tags, isPlainObject(notes) ? notes.tags : undefined]) {
      if (!Array.isArray(tags)) continue;
      for (const tag of tags) {
        const ref = typeof tag === 'string' ? owaspRefFromTag(tag) : undefined;
        if (ref) add(ref);
      }
    }
    return refs;
  }

  /** The finding facts of a probe's hits. */
  facts(probe: string): ProbeFacts {
    const known = this.probes.get(probe);
    if (known) return known;
    const module = moduleOf(probe).toLowerCase();
    const id = garakProbeWeaknessId(probe);
    const { category, refs } = garakProbeCategory(probe);
    let facts: ProbeFacts;
    if (id !== undefined) {
      const w = weakness(id);
      facts = {
        title: `${w.title} (garak ${probe})`,
        category,
        severity: w.severity,
        fingerprint: weaknessFingerprint(id),
        refs,
      };
    } else {
      facts = {
        title: `Weakness tested by garak’s ${module} probes (garak ${probe})`,
        category,
        severity: 'medium',
        fingerprint: `garak:${module}`,
        refs: [],
      };
      if (this.unmapped.size < MAX_LISTED_MODULES) this.unmapped.add(module);
    }
    if (this.probes.size >= MAX_CACHED_PROBES) this.probes.clear();
    this.probes.set(probe, facts);
    return facts;
  }

  /** A probe name without garak's package prefixes, checked to be `module.Class`. */
  name(value: unknown, field: string, lineNo: number): string {
    if (typeof value !== 'string') {
      throw importError(lineNo, `${field} must be a "module.Class" string, found ${describe(value)}`);
    }
    const name = stripPrefix(value, PROBE_PREFIXES);
    if (!this.probes.has(name) && !PROBE_NAME.test(name)) {
      throw importError(lineNo, `${field} must be a "module.Class" name such as "dan.Dan_11_0", found ${quote(value)}`);
    }
    return name;
  }

  /** Remembers the OWASP refs a probe's tags give, for findings of that probe read later. */
  noteTags(probe: string, tags: unknown): void {
    if (!Array.isArray(tags) || this.taggedRefs.size >= MAX_CACHED_PROBES) return;
    const refs: FrameworkRef[] = [];
    for (const tag of tags) {
      const ref = typeof tag === 'string' ? owaspRefFromTag(tag) : undefined;
      if (ref && !refs.some((r) => r.control === ref.control)) refs.push(ref);
    }
    if (refs.length > 0) this.taggedRefs.set(stripPrefix(probe, PROBE_PREFIXES), refs);
  }
}
