import { firstHiddenCharacter, showHiddenCharacters } from '../../src/domain/hidden-characters';
import { refuseHiddenCharacters } from '../../src/domain/validation';

describe('hidden characters', () => {
  it.each([
    ['NUL', '\u0000', 'U+0000'],
    ['BEL', '\u0007', 'U+0007'],
    ['CR', '\r', 'U+000D'],
    ['LF', '\n', 'U+000A'],
    ['DEL', '\u007F', 'U+007F'],
    ['a C1 control', '\u0085', 'U+0085'],
    ['right-to-left override', '\u202E', 'U+202E'],
    ['left-to-right embedding', '\u202A', 'U+202A'],
    ['first strong isolate', '\u2068', 'U+2068'],
    ['pop directional isolate', '\u2069', 'U+2069'],
  ])('when a title holds %s, then it is refused naming the field and the character', (_what, ch, label) => {
    expect(firstHiddenCharacter(`PT ${ch}x`)).toEqual({ label, position: 4 });
    expect(() => refuseHiddenCharacters('title', `PT ${ch}x`)).toThrow(
      expect.objectContaining({ code: 'invalid_request', details: { field: 'title' } }),
    );
    expect(() => refuseHiddenCharacters('title', `PT ${ch}x`)).toThrow(`found ${label} at character 4`);
  });

  it.each(['Q2 2026 AI security evidence pack', 'تقرير الأدلة', 'Prüfbericht – Q2', 'emoji 😀 ok', '\u200F mark'])(
    'when a title holds only printable text (%s), then it is accepted',
    (title) => {
      expect(firstHiddenCharacter(title)).toBeUndefined();
      expect(() => refuseHiddenCharacters('title', title)).not.toThrow();
      expect(showHiddenCharacters(title)).toBe(title);
    },
  );

  it('when a text is shown, then each hidden character is written as its code point, but those kept', () => {
    expect(showHiddenCharacters('PT \u202Efdp.exe\u202C')).toBe('PT ⟨U+202E⟩fdp.exe⟨U+202C⟩');
    expect(showHiddenCharacters('a\nb\u0000', '\n')).toBe('a\nb⟨U+0000⟩');
  });
});
