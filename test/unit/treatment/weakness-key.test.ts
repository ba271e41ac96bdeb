/**
 * A weakness's key and the sightings a write records: one key per report row (endpoint, category and fingerprint as
 * rows normalise them) and tenant, URL-safe and stable; one sighting per weakness whatever the number of findings.
 */
import { isWeaknessKey, sightingsOf, weaknessKey } from '../../../src/domain/treatment';
import { buildFinding } from '../../fixtures/findings';

const TENANT = 'tnt_2026_keytenant0000000';
const base = { endpointId: 'ep_2026_keyendpoint00000', category: 'prompt_injection', fingerprint: 'pi:1' };

describe('weaknessKey', () => {
  it('when computed, then it is wk_ and 22 base64url characters, the same on every call', () => {
    const key = weaknessKey(TENANT, base);
    expect(key).toMatch(/^wk_[A-Za-z0-9_-]{22}$/);
    expect(weaknessKey(TENANT, { ...base })).toBe(key);
    expect(isWeaknessKey(key)).toBe(true);
    expect(encodeURIComponent(key)).toBe(key);
  });

  it('when the inputs are pinned, then the key is pinned too: a release that changed it would orphan every treatment', () => {
    // sha256 over "25:tnt_2026_keytenant0000000" "24:ep_2026_keyendpoint00000" "16:prompt_injection" "4:pi:1".
    expect(weaknessKey(TENANT, base)).toBe('wk_KkPLSfeW2VSPTAbVSaFzQa');
  });

  it('when spellings merge into one report row, then they share one key', () => {
    const key = weaknessKey(TENANT, base);
    expect(weaknessKey(TENANT, { ...base, category: ' Prompt Injection ', fingerprint: '  PI:1 ' })).toBe(key);
    expect(weaknessKey(TENANT, { ...base, category: 'prompt-injection' })).toBe(key);
  });

  it('when the tenant, endpoint, category or fingerprint differ, then the key differs', () => {
    const key = weaknessKey(TENANT, base);
    expect(
      new Set([
        key,
        weaknessKey('tnt_2026_othertenant000000', base),
        weaknessKey(TENANT, { ...base, endpointId: 'ep_2026_otherendpoint000' }),
        weaknessKey(TENANT, { ...base, category: 'jailbreak' }),
        weaknessKey(TENANT, { ...base, fingerprint: 'pi:2' }),
      ]).size,
    ).toBe(5);
  });

  it.each(['wk_short', 'WK_abcdefghijklmnopqrstuv', 'wk_abcdefghijklmnopqrstu/', 'wk_abcdefghijklmnopqrstuvw', 7])(
    'when %j is offered as a key, then it is not one',
    (value) => {
      expect(isWeaknessKey(value)).toBe(false);
    },
  );
});

describe('sightingsOf', () => {
  it('when a batch holds many findings of a few weaknesses, then each weakness gives one sighting with its count, span, latest finding and worst severity', () => {
    const findings = [
      buildFinding({ ...base, detectedAt: '2026-05-02T10:00:00.000Z', severity: 'medium', title: 'old title' }),
      buildFinding({
        ...base,
        fingerprint: 'PI:1',
        detectedAt: '2026-05-04T10:00:00+02:00',
        severity: 'critical',
        title: 'new title',
      }),
      buildFinding({ ...base, detectedAt: '2026-05-03T10:00:00.000Z', severity: 'low' }),
      buildFinding({ ...base, fingerprint: 'pi:2', detectedAt: '2026-05-01T00:00:00.000Z' }),
    ];
    const sightings = sightingsOf(TENANT, findings);
    expect(sightings).toEqual([
      {
        key: weaknessKey(TENANT, base),
        endpointId: base.endpointId,
        category: 'prompt_injection',
        fingerprint: 'pi:1',
        findings: 3,
        first: '2026-05-02T10:00:00.000Z',
        last: '2026-05-04T08:00:00.000Z',
        lastId: findings[1].id,
        title: 'new title',
        worst: 'critical',
      },
      expect.objectContaining({ key: weaknessKey(TENANT, { ...base, fingerprint: 'pi:2' }), findings: 1 }),
    ]);
  });
});
