/**
 * The treatment state machine on logs built in memory: every state a person may ask for from every state a weakness
 * can be in, the fields each needs, a risk acceptance lapsing, a mitigated weakness found again, and the trail.
 */
import { AppError } from '../../../src/domain/errors';
import {
  allowedTargets,
  checkAcceptance,
  foldLog,
  parseTreatmentChange,
  planChange,
  SETTABLE_STATES,
  TREATMENT_STATES,
  type LogEntry,
  type SeenEntry,
  type TreatmentState,
  type WeaknessRecord,
} from '../../../src/domain/treatment';

const TODAY = '2026-06-15';
const NOW = new Date(`${TODAY}T12:00:00.000Z`);

let writes = 0;
/** A write of findings of the weakness, stored at `at`, the latest detected at `last`. */
function seen(last: string, overrides: Partial<SeenEntry> = {}): SeenEntry {
  writes += 1;
  return {
    k: 'seen',
    w: `write-${writes}`,
    at: last,
    e: 'ep_2026_abcdefghjkmnpq00',
    c: 'prompt_injection',
    f: 'pi:1',
    n: 2,
    first: last,
    last,
    last_id: `fnd_2026_finding${String(writes).padStart(8, '0')}`,
    title: 'Direct prompt injection',
    sev: 'high',
    ...overrides,
  };
}

/** The body that takes a weakness to each state a person may ask for. */
const BODIES: Record<(typeof SETTABLE_STATES)[number], Record<string, unknown>> = {
  open: { state: 'open' },
  mitigated: { state: 'mitigated', evidence: 'https://tickets.example.com/SEC-42', mitigated_on: '2026-06-14' },
  risk_accepted: {
    state: 'risk_accepted',
    approver: 'Dana Reyes',
    approver_role: 'CISO',
    justification: 'Compensating control: human review of every agent action',
    expires_on: '2026-09-30',
  },
  false_positive: { state: 'false_positive', reason: 'The response quotes public policy text', reviewer: 'Sam Ode' },
};

/** Applies a person's change to a log, as the use case does, and answers the new log. */
function change(entries: LogEntry[], body: Record<string, unknown>, actor = 'tok_2026_person000000000'): LogEntry[] {
  const record = foldLog(entries)!;
  return [...entries, planChange(record, parseTreatmentChange(body, TODAY), actor, NOW)];
}

/** A log whose weakness is in `state`, first seen on 2026-06-01. */
function logIn(state: TreatmentState): LogEntry[] {
  const base: LogEntry[] = [seen('2026-06-01T08:00:00.000Z')];
  switch (state) {
    case 'open':
      return base;
    case 'regressed':
      return [...change(base, { ...BODIES.mitigated, mitigated_on: '2026-06-05' }), seen('2026-06-12T09:00:00.000Z')];
    default:
      return change(base, BODIES[state]);
  }
}

function refusal(f: () => unknown): AppError {
  try {
    f();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('transitions a person may make', () => {
  it('when the weakness is in each state, then its log folds to that state', () => {
    for (const state of TREATMENT_STATES)
      expect([state, foldLog(logIn(state))!.treatment.state]).toEqual([state, state]);
  });

  const cases = TREATMENT_STATES.flatMap((from) => SETTABLE_STATES.map((to) => [from, to] as const));
  const ALLOWED = new Set([
    'open>mitigated',
    'open>risk_accepted',
    'open>false_positive',
    'regressed>open',
    'regressed>mitigated',
    'regressed>risk_accepted',
    'regressed>false_positive',
    'mitigated>open',
    'mitigated>false_positive',
    'risk_accepted>open',
    'risk_accepted>mitigated',
    'risk_accepted>false_positive',
    'risk_accepted>risk_accepted',
    'false_positive>open',
  ]);

  it.each(cases.filter(([from, to]) => ALLOWED.has(`${from}>${to}`)))(
    'when a weakness that is %s is asked to become %s, then the change is made and recorded',
    (from, to) => {
      const entries = change(logIn(from), BODIES[to]);
      const record = foldLog(entries)!;
      expect(record.treatment.state).toBe(to);
      expect(record.history.at(-1)).toEqual({
        position: entries.length - 1,
        at: NOW.toISOString(),
        actor: 'tok_2026_person000000000',
        from,
        to,
        cause: 'triage',
        fields: Object.fromEntries(
          Object.entries(BODIES[to])
            .filter(([k]) => k !== 'state')
            .map(([k, v]) => [k, v as string]),
        ),
      });
    },
  );

  it.each(cases.filter(([from, to]) => !ALLOWED.has(`${from}>${to}`)))(
    'when a weakness that is %s is asked to become %s, then 409 transition_refused names the states it can take',
    (from, to) => {
      const before = logIn(from);
      const err = refusal(() => change(before, BODIES[to]));
      expect({ code: err.code, message: err.message, details: err.details }).toEqual({
        code: 'transition_refused',
        message: `state: a weakness that is ${from} can become ${allowedTargets(from).join(', ')}; not ${to}`,
        details: { field: 'state', from, requested: to, allowed: [...allowedTargets(from)] },
      });
    },
  );

  it('when every pair is counted, then fourteen are allowed and six refused', () => {
    expect(cases.filter(([f, t]) => ALLOWED.has(`${f}>${t}`))).toHaveLength(14);
    expect(TREATMENT_STATES.flatMap((f) => allowedTargets(f).map((t) => `${f}>${t}`)).sort()).toEqual(
      [...ALLOWED].sort(),
    );
  });

  it('when a change names no state, then the state stays and only the annotations change, from any state', () => {
    for (const state of TREATMENT_STATES) {
      const entries = change(logIn(state), { owner: 'Priya N', due_date: '2026-07-01' });
      const t = foldLog(entries)!.treatment;
      expect([state, t.state, t.owner, t.dueDate]).toEqual([state, state, 'Priya N', '2026-07-01']);
    }
  });

  it('when a risk is accepted again, then the newer acceptance is the one in force', () => {
    const entries = change(logIn('risk_accepted'), { ...BODIES.risk_accepted, expires_on: '2026-12-31' });
    expect(foldLog(entries)!.treatment.acceptance).toEqual({
      approver: 'Dana Reyes',
      approverRole: 'CISO',
      justification: 'Compensating control: human review of every agent action',
      expiresOn: '2026-12-31',
      position: entries.length - 1,
    });
  });

  it('when a mitigation is dated before the weakness was last detected, then 400 names mitigated_on', () => {
    const entries = [seen('2026-06-11T08:00:00.000Z')];
    const err = refusal(() => change(entries, { ...BODIES.mitigated, mitigated_on: '2026-06-10' }));
    expect([err.code, err.details?.field, err.message]).toEqual([
      'invalid_request',
      'mitigated_on',
      'mitigated_on: 2026-06-10 is before the weakness was last detected (2026-06-11T08:00:00.000Z); date the mitigation on or after 2026-06-11',
    ]);
    expect(foldLog(change(entries, { ...BODIES.mitigated, mitigated_on: '2026-06-11' }))!.treatment.state).toBe(
      'mitigated',
    );
  });
});

describe('the fields a change takes', () => {
  const parse = (body: unknown) => parseTreatmentChange(body, TODAY);
  const fieldOf = (body: unknown) => {
    const err = refusal(() => parse(body));
    return [err.code, err.details?.field, err.message];
  };

  it('when each state is asked for with its fields, then they are read trimmed', () => {
    expect(
      parse({ ...BODIES.false_positive, reviewer: '  Sam Ode ', owner: null, management_response: 'Agreed' }),
    ).toEqual({
      to: { state: 'false_positive', reason: 'The response quotes public policy text', reviewer: 'Sam Ode' },
      annotations: { owner: null, managementResponse: 'Agreed' },
    });
    expect(parse(BODIES.mitigated).to).toEqual({
      state: 'mitigated',
      evidence: 'https://tickets.example.com/SEC-42',
      mitigatedOn: '2026-06-14',
    });
  });

  it.each([
    [{ state: 'mitigated', mitigated_on: '2026-06-10' }, 'evidence', /^evidence: is required: a text of 1 to 4000/],
    [
      { state: 'mitigated', evidence: 'patched' },
      'mitigated_on',
      /^mitigated_on: must be a calendar day written YYYY-MM-DD, found null$/,
    ],
    [{ ...BODIES.mitigated, mitigated_on: '2026-06-16' }, 'mitigated_on', /^mitigated_on: 2026-06-16 is in the future/],
    [
      { ...BODIES.mitigated, evidence: 'http://tickets.example.com/1' },
      'evidence',
      /^evidence: a link must be an https URL/,
    ],
    [{ ...BODIES.mitigated, evidence: 'ftp://files/x' }, 'evidence', /https URL/],
    [{ ...BODIES.mitigated, evidence: '   ' }, 'evidence', /^evidence: must be 1 to 4000 characters, found 0$/],
    [{ ...BODIES.risk_accepted, approver: undefined }, 'approver', /^approver: is required/],
    [{ ...BODIES.risk_accepted, approver_role: 7 }, 'approver_role', /^approver_role: must be a text of 1 to 200/],
    [{ ...BODIES.risk_accepted, justification: 'x'.repeat(4001) }, 'justification', /found 4001$/],
    [
      { ...BODIES.risk_accepted, expires_on: '2026-06-15' },
      'expires_on',
      /^expires_on: 2026-06-15 must be after today \(2026-06-15\) and at most 365 days ahead \(2027-06-15\)$/,
    ],
    [{ ...BODIES.risk_accepted, expires_on: '2027-06-16' }, 'expires_on', /at most 365 days ahead/],
    [
      { ...BODIES.risk_accepted, expires_on: '2026-02-30' },
      'expires_on',
      /calendar day written YYYY-MM-DD, found "2026-02-30"/,
    ],
    [{ ...BODIES.false_positive, reviewer: '' }, 'reviewer', /^reviewer: must be 1 to 200 characters, found 0$/],
    [{ state: 'open', due_date: '15/07/2026' }, 'due_date', /^due_date: must be a calendar day/],
    [{ state: 'open', owner: 'x'.repeat(201) }, 'owner', /^owner: must be 1 to 200 characters/],
    [
      { state: 'open', approver: 'Dana' },
      'approver',
      /^approver: is not a field of a change to open; allowed: state, owner, due_date, management_response$/,
    ],
    [
      { state: 'false_positive', reason: 'r', reviewer: 'v', expires_on: '2026-07-01' },
      'expires_on',
      /allowed: state, reason, reviewer, owner/,
    ],
    [
      { state: 'regressed' },
      'state',
      /^state: "regressed" is set by the service when a mitigated weakness is detected again; use one of open, mitigated, risk_accepted, false_positive$/,
    ],
    [{ state: 'closed' }, 'state', /^state: "closed" is not a state; use one of open, mitigated/],
    [{}, 'body', /^body: names no change: give state, or any of owner, due_date, management_response$/],
    [{ title: 'x' }, 'title', /^title: is not a field of a change that names no state; allowed: state, owner/],
    [[], 'body', /^body: must be a JSON object/],
  ])('when the body is %j, then 400 invalid_request names %s', (body, field, message) => {
    const [code, named, text] = fieldOf(body);
    expect([code, named]).toEqual(['invalid_request', field]);
    expect(text).toMatch(message);
  });

  it('when evidence is text that merely mentions a link, then it is text', () => {
    expect(parse({ ...BODIES.mitigated, evidence: 'Fixed in release 4.2, see SEC-42' }).to).toMatchObject({
      evidence: 'Fixed in release 4.2, see SEC-42',
    });
  });
});

describe('a risk acceptance lapsing', () => {
  const accepted = () => logIn('risk_accepted');

  it('when the expiry day has not begun, then it is not due; from its first instant it lapses, dated then', () => {
    const entries = accepted();
    const record = foldLog(entries)!;
    const position = entries.length - 1;
    expect(checkAcceptance(record, position, new Date('2026-09-29T23:59:59.999Z'))).toEqual({ outcome: 'not_due' });
    const due = checkAcceptance(record, position, new Date('2026-10-02T07:00:00.000Z'));
    expect(due).toEqual({
      outcome: 'expire',
      entry: { k: 'expired', at: '2026-09-30T00:00:00.000Z', of: position, expires_on: '2026-09-30' },
    });
    const after = foldLog([...entries, (due as { entry: LogEntry }).entry])!;
    expect(after.treatment).toMatchObject({ state: 'open', acceptance: null, changedAt: '2026-09-30T00:00:00.000Z' });
    expect(after.history.at(-1)).toEqual({
      position: entries.length,
      at: '2026-09-30T00:00:00.000Z',
      actor: 'system',
      from: 'risk_accepted',
      to: 'open',
      cause: 'acceptance_expired',
      fields: { expires_on: '2026-09-30' },
    });
  });

  it('when the timer looks before its acceptance is written, then it is pending, not ended', () => {
    const before = logIn('open');
    expect(checkAcceptance(foldLog(before)!, before.length, new Date('2026-10-01T00:00:00Z'))).toEqual({
      outcome: 'pending',
    });
  });

  it('when a later change or acceptance came, then the first acceptance is superseded or ended, and its lapse changes nothing', () => {
    const first = accepted();
    const position = first.length - 1;
    const renewed = change(first, { ...BODIES.risk_accepted, expires_on: '2026-12-01' });
    expect(checkAcceptance(foldLog(renewed)!, position, new Date('2026-10-01T00:00:00Z'))).toEqual({
      outcome: 'superseded',
      current: { position: renewed.length - 1, expiresOn: '2026-12-01' },
    });
    const reopened = change(first, BODIES.open);
    expect(checkAcceptance(foldLog(reopened)!, position, new Date('2026-10-01T00:00:00Z'))).toEqual({
      outcome: 'ended',
    });
    // An expiry written for an acceptance no longer in force is no change of the trail.
    const stale: LogEntry = { k: 'expired', at: '2026-09-30T00:00:00.000Z', of: position, expires_on: '2026-09-30' };
    const record = foldLog([...renewed, stale])!;
    expect(record.treatment.state).toBe('risk_accepted');
    expect(record.history.map((h) => h.cause)).toEqual(['triage', 'triage']);
  });
});

describe('a mitigated weakness detected again', () => {
  const mitigated = () => logIn('mitigated'); // mitigated on 2026-06-14

  it('when a finding detected on a later day is stored, then the weakness is regressed by system, naming the finding', () => {
    const again = seen('2026-06-15T00:00:00.000Z', {
      at: '2026-06-15T10:00:00.000Z',
      last_id: 'fnd_2026_again00000000',
    });
    const entries = [...mitigated(), again];
    const record = foldLog(entries)!;
    expect(record.treatment).toMatchObject({
      state: 'regressed',
      mitigation: { evidence: 'https://tickets.example.com/SEC-42', mitigatedOn: '2026-06-14' },
      regression: { findingId: 'fnd_2026_again00000000', detectedAt: '2026-06-15T00:00:00.000Z' },
    });
    expect(record.history.at(-1)).toEqual({
      position: entries.length - 1,
      at: '2026-06-15T10:00:00.000Z',
      actor: 'system',
      from: 'mitigated',
      to: 'regressed',
      cause: 'redetected',
      fields: {
        finding_id: 'fnd_2026_again00000000',
        detected_at: '2026-06-15T00:00:00.000Z',
        mitigated_on: '2026-06-14',
      },
    });
  });

  it('when the finding was detected on the mitigation day or before, then the weakness stays mitigated', () => {
    const late = seen('2026-06-14T23:59:59.999Z', { at: '2026-06-15T01:00:00.000Z' });
    expect(foldLog([...mitigated(), late])!.treatment.state).toBe('mitigated');
  });

  it.each(['open', 'risk_accepted', 'false_positive', 'regressed'] as const)(
    'when the weakness is %s, then a new finding changes nothing',
    (state) => {
      const entries = [...logIn(state), seen('2026-06-15T06:00:00.000Z')];
      const record = foldLog(entries)!;
      expect(record.treatment.state).toBe(state);
      expect(record.history.filter((h) => h.position === entries.length - 1)).toEqual([]);
    },
  );

  it('when regressed and then mitigated again, then the regression is cleared and a later finding regresses it again', () => {
    let entries: LogEntry[] = [...logIn('regressed')];
    entries = change(entries, { ...BODIES.mitigated, mitigated_on: '2026-06-13' });
    expect(foldLog(entries)!.treatment).toMatchObject({ state: 'mitigated', regression: null });
    entries.push(seen('2026-06-14T06:00:00.000Z'));
    expect(foldLog(entries)!.history.map((h) => `${h.from}>${h.to}`)).toEqual([
      'open>mitigated',
      'mitigated>regressed',
      'regressed>mitigated',
      'mitigated>regressed',
    ]);
  });
});

describe('the trail and what was seen', () => {
  it('when a write is recorded twice, then its findings count once; first and last seen and the worst severity follow the writes', () => {
    const a = seen('2026-06-02T00:00:00.000Z', { first: '2026-05-30T00:00:00.000Z', n: 3, sev: 'medium' });
    const b = seen('2026-06-05T00:00:00.000Z', { n: 4, sev: 'critical', title: 'Prompt injection, newer title' });
    const record = foldLog([a, b, { ...a }])!;
    expect(record.seen).toEqual({
      findings: 7,
      firstSeen: '2026-05-30T00:00:00.000Z',
      lastSeen: '2026-06-05T00:00:00.000Z',
      title: 'Prompt injection, newer title',
      worst: 'critical',
    });
    expect(record).toMatchObject({ endpointId: a.e, category: a.c, fingerprint: a.f, length: 3 });
  });

  it('when annotations are given with a change, then they stay through later changes until changed or cleared', () => {
    let entries = change(logIn('open'), { ...BODIES.risk_accepted, owner: 'Priya N', management_response: 'Accepted' });
    entries = change(entries, { state: 'open', due_date: '2026-08-01' });
    expect(foldLog(entries)!.treatment).toMatchObject({
      state: 'open',
      owner: 'Priya N',
      dueDate: '2026-08-01',
      managementResponse: 'Accepted',
      acceptance: null,
    });
    entries = change(entries, { owner: null });
    expect(foldLog(entries)!.treatment.owner).toBeNull();
  });

  it('when read as of an earlier instant, then only what was recorded by then counts', () => {
    const entries = change(logIn('open'), BODIES.false_positive);
    const before = foldLog(entries, '2026-06-15T11:59:59.999Z')!;
    expect([before.treatment.state, before.history]).toEqual(['open', []]);
    expect(foldLog(entries, NOW.toISOString())!.treatment.state).toBe('false_positive');
    expect(foldLog(entries, '2026-05-01T00:00:00.000Z')).toBeUndefined();
  });

  it('when the log is built, then entries are never changed: each change adds one at the end', () => {
    const entries = logIn('mitigated');
    const copy = JSON.parse(JSON.stringify(entries)) as LogEntry[];
    const next = change(entries, BODIES.open);
    expect(next.slice(0, entries.length)).toEqual(copy);
    expect(next).toHaveLength(entries.length + 1);
  });

  it('when a record is folded, then its history lists every change in log order', () => {
    const record: WeaknessRecord = foldLog(change(change(logIn('open'), BODIES.false_positive), BODIES.open))!;
    expect(record.history.map((h) => [h.position, h.from, h.to])).toEqual([
      [1, 'open', 'false_positive'],
      [2, 'false_positive', 'open'],
    ]);
  });
});
