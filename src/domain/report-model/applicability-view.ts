import { euRiskClassFor, isoInScope, type ApplicabilityProfile } from '../applicability';
import { applicationStatus, euArticleApplies } from '../eu-ai-act';
import type { FrameworkSlug } from '../frameworks';
import type { Applicability, ApplicabilityView } from './types';

/** Why no EU AI Act article is taken to apply without a profile. */
const NO_EU_PROFILE =
  'not assessed: the tenant has not stated its EU AI Act role and the risk class of its systems (PUT /tenant/applicability)';

/**
 * What a tenant's applicability profile says of each control for one report. EU AI Act: an article applies when
 * it binds the tenant's role for the class of at least one endpoint in scope, its note stating its application
 * date against the period; without a profile none does, since an article linked without role and class
 * over-claims. ISO/IEC 42001: an Annex A control as the Statement of Applicability says, clauses always; nothing
 * is said where the SoA is silent. Other frameworks apply as published.
 */
export function applicabilityView(
  profile: ApplicabilityProfile | undefined,
  period: { from: string; to: string },
): ApplicabilityView {
  const memo = new Map<string, Applicability | undefined>();
  const eu = (control: string, endpointIds: readonly string[]): Applicability => {
    if (!profile?.euAiAct) return { applies: false, note: NO_EU_PROFILE };
    const { role } = profile.euAiAct;
    const classes = [...new Set(endpointIds.map((e) => euRiskClassFor(profile, e)))];
    const bound = classes.filter((c) => c !== undefined && euArticleApplies(control, { role, riskClass: c }));
    if (bound.length === 0) {
      const stated = classes.filter((c) => c !== undefined);
      return {
        applies: false,
        note:
          stated.length === 0
            ? 'not assessed: no risk class is stated for the endpoints in scope'
            : `does not bind a ${role} of ${stated.join(' or ')} systems`,
      };
    }
    // An article that binds the tenant but applies only later still bears on the weakness (it is what the tenant
    // must meet by then): its date is stated, not used to drop it.
    const when = applicationStatus(control, period);
    const date =
      when.status === 'applies'
        ? `in application since ${when.appliesFrom}`
        : when.status === 'applies_during_period'
          ? `in application from ${when.appliesFrom}, within the period`
          : `in application only from ${when.appliesFrom}, after the period`;
    return { applies: true, note: `binds a ${role} of ${bound.join(' or ')} systems; ${date} (${when.source})` };
  };
  return {
    of(framework: FrameworkSlug, control: string, endpointIds: readonly string[]): Applicability | undefined {
      if (framework !== 'EU_AI_ACT' && framework !== 'ISO_42001') return undefined;
      const key = `${framework} ${control} ${endpointIds.join(',')}`;
      if (memo.has(key)) return memo.get(key);
      let answer: Applicability | undefined;
      if (framework === 'EU_AI_ACT') answer = eu(control, endpointIds);
      else if (profile) {
        const inScope = isoInScope(profile, control);
        const entry = profile.iso42001?.soa.find((e) => e.control === control);
        if (inScope === false) {
          answer = {
            applies: false,
            note: `excluded by the Statement of Applicability: ${entry?.justification ?? ''}`,
          };
        } else if (inScope === true && entry)
          answer = { applies: true, note: 'included in the Statement of Applicability' };
      }
      memo.set(key, answer);
      return answer;
    },
    listed(framework: FrameworkSlug): readonly string[] {
      return framework === 'ISO_42001' ? (profile?.iso42001?.soa.map((e) => e.control) ?? []) : [];
    },
  };
}
