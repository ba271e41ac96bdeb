import type { FindingSummary } from '../finding';
import { normaliseFingerprint, WeaknessIndex } from '../report-model/weakness-index';
import { severityRank, type Severity } from '../severity';
import { weaknessKeyOfNormalised } from './key';

/** What a weakness's log needs of a stored finding. */
export type SeenFinding = Pick<
  FindingSummary,
  'id' | 'endpointId' | 'category' | 'fingerprint' | 'detectedAt' | 'title' | 'severity'
>;

/** The findings of one weakness among those one write stored: how many, when detected, the latest, the worst. */
export interface WeaknessSighting {
  key: string;
  endpointId: string;
  /** Normalised, as report rows group them. */
  category: string;
  fingerprint: string;
  findings: number;
  first: string;
  last: string;
  lastId: string;
  title: string;
  worst: Severity;
}

/** A detection time in the one spelling (`toISOString`) that compares as text, which stored findings have. */
const canonical = (iso: string): string => (iso.length === 24 && iso.endsWith('Z') ? iso : new Date(iso).toISOString());

/**
 * Gathers findings of one tenant into one sighting per weakness, grouped as report rows group them, so that what is
 * written per weakness follows the weaknesses a write touched, not its findings: a batch of 1,000 findings of five
 * weaknesses gives five sightings.
 */
export class SightingsBuilder {
  private readonly index = new WeaknessIndex<WeaknessSighting>();
  private readonly all: WeaknessSighting[] = [];

  constructor(private readonly tenantId: string) {}

  add(f: SeenFinding): void {
    const at = canonical(f.detectedAt);
    this.index.upsert(
      f,
      (first) => {
        const category = this.index.category(first.category);
        const fingerprint = normaliseFingerprint(first.fingerprint);
        const s: WeaknessSighting = {
          key: weaknessKeyOfNormalised(this.tenantId, first.endpointId, category, fingerprint),
          endpointId: first.endpointId,
          category,
          fingerprint,
          findings: 1,
          first: at,
          last: at,
          lastId: first.id,
          title: first.title,
          worst: first.severity,
        };
        this.all.push(s);
        return s;
      },
      (s, next) => {
        s.findings++;
        if (at < s.first) s.first = at;
        if (at > s.last || (at === s.last && next.id > s.lastId)) {
          s.last = at;
          s.lastId = next.id;
          s.title = next.title;
        }
        if (severityRank(next.severity) < severityRank(s.worst)) s.worst = next.severity;
      },
    );
  }

  /** One sighting per weakness, in the order each was first met. */
  sightings(): WeaknessSighting[] {
    return this.all;
  }
}

/** The sightings of a batch of one tenant's findings. */
export function sightingsOf(tenantId: string, findings: readonly SeenFinding[]): WeaknessSighting[] {
  const builder = new SightingsBuilder(tenantId);
  for (const f of findings) builder.add(f);
  return builder.sightings();
}
