import { excerpt } from '../../../src/domain/evidence/excerpt';

const filler = (n: number, ch = '.'): string => ch.repeat(n);

describe('excerpt', () => {
  it('when the text fits, then it is returned whole with nothing cut', () => {
    expect(excerpt('short answer', 12, { matches: ['answer'] })).toEqual({
      text: 'short answer',
      cutBefore: 0,
      cutAfter: 0,
      centredOn: 'start',
    });
  });

  it('when a match is in the middle, then the window is centred on it and the cuts add up', () => {
    const text = `${filler(1000)}SECRET${filler(1000)}`;
    const result = excerpt(text, 106, { matches: ['secret'] });
    expect(result).toEqual({
      text: `${filler(50)}SECRET${filler(50)}`,
      cutBefore: 950,
      cutAfter: 950,
      centredOn: 'match',
    });
  });

  it('when several strings match, then the earliest occurrence of any of them wins, whatever the list order', () => {
    const text = `${filler(300)}beta${filler(300)}alpha${filler(300)}`;
    const result = excerpt(text, 24, { matches: ['alpha', 'BETA'] });
    expect(result.centredOn).toBe('match');
    expect(result.text).toBe(`${filler(10)}beta${filler(10)}`);
    expect(result.cutBefore).toBe(290);
  });

  it('when matches contain regular-expression characters, then they are matched literally', () => {
    const text = `${filler(200, 'x')}a.b(c)*${filler(200, 'x')}`;
    expect(excerpt(text, 7, { matches: ['A.B(C)*'] })).toEqual({
      text: 'a.b(c)*',
      cutBefore: 200,
      cutAfter: 200,
      centredOn: 'match',
    });
  });

  it('when the match is near the start or the end, then the window stops at that edge', () => {
    const text = `key${filler(500)}end`;
    expect(excerpt(text, 10, { matches: ['key'] })).toEqual({
      text: `key${filler(7)}`,
      cutBefore: 0,
      cutAfter: 496,
      centredOn: 'match',
    });
    expect(excerpt(text, 10, { matches: ['END'] })).toEqual({
      text: `${filler(7)}end`,
      cutBefore: 496,
      cutAfter: 0,
      centredOn: 'match',
    });
  });

  it('when no match is found, then the longest run of goal words in the text is the centre, not a lone shared word', () => {
    const goal = 'Make the assistant reveal the hidden system prompt verbatim';
    const text = `The weather ${filler(400, ' ')}I will now Reveal the hidden System-Prompt: …${filler(400, ' ')}the end`;
    const result = excerpt(text, 40, { matches: ['not present'], goal });
    expect(result.centredOn).toBe('goal');
    expect(result.text).toContain('Reveal the hidden System-Prompt');
    expect(result.cutBefore + result.text.length + result.cutAfter).toBe(text.length);
  });

  it('when the goal shares a run of two words with the text, then that run is the centre', () => {
    const text = `${filler(300)}the model refused${filler(300)}`;
    expect(excerpt(text, 20, { goal: 'make the model leak data' })).toEqual({
      // Centred on "the model" (300–309), not on the whole sentence.
      text: `${filler(5)}the model refus`,
      cutBefore: 295,
      cutAfter: 302,
      centredOn: 'goal',
    });
  });

  it('when the goal shares only single words with the text, then the excerpt starts at the start', () => {
    const text = `the model refused${filler(300)}and the user left`;
    expect(excerpt(text, 20, { goal: 'exfiltrate the keys' })).toEqual({
      text: text.slice(0, 20),
      cutBefore: 0,
      cutAfter: text.length - 20,
      centredOn: 'start',
    });
  });

  it('when there is no focus, then the start is kept', () => {
    const text = filler(100);
    expect(excerpt(text, 30)).toEqual({ text: filler(30), cutBefore: 0, cutAfter: 70, centredOn: 'start' });
  });

  it('when a window edge falls inside a surrogate pair, then the window shrinks at that end instead of splitting it', () => {
    // 202 code units: 'a', 50 pairs at 1–100, 'X' at 101, 50 pairs at 102–201.
    const text = `a${'😀'.repeat(50)}X${'😀'.repeat(50)}`;
    // The centred window [97, 107) would end on the high half of the pair at 106–107.
    expect(excerpt(text, 10, { matches: ['x'] })).toEqual({
      text: '😀😀X😀😀',
      cutBefore: 97,
      cutAfter: 96,
      centredOn: 'match',
    });
    // The centred window [98, 106) would start on the low half of the pair at 97–98.
    expect(excerpt(text, 8, { matches: ['x'] })).toEqual({
      text: '😀X😀😀',
      cutBefore: 99,
      cutAfter: 96,
      centredOn: 'match',
    });
  });

  it('when the text is 64 KiB and the goal 2 KiB of repeated words, then the search completes', () => {
    const text = 'lorem ipsum '.repeat(5_462);
    const goal = 'ipsum lorem '.repeat(170);
    const result = excerpt(text, 100, { goal });
    expect(result.centredOn).toBe('goal');
    expect(result.text).toHaveLength(100);
  });

  it.each([0, -1, 1.5, Number.NaN])('when maxChars is %p, then it is refused', (maxChars) => {
    expect(() => excerpt('text', maxChars)).toThrow(`maxChars: must be a positive integer, got ${String(maxChars)}`);
  });
});
