import { GarakRunRecorder } from '../../src/domain/importers/garak-run';
import { promptfooPluginWeakness } from '../../src/domain/importers/promptfoo-plugins';
import { ownEntry } from '../../src/domain/validation';

const BUILT_INS = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

describe('lookups keyed by what a client or a file says', () => {
  it.each(BUILT_INS)('when the key is %s, then a table answers nothing', (key) => {
    expect(ownEntry({ report: 1 }, key)).toBeUndefined();
    expect(ownEntry({ report: 1 }, 'report')).toBe(1);
  });

  it.each(BUILT_INS)('when a promptfoo plugin id is %s, then it is no known plugin', (key) => {
    expect(promptfooPluginWeakness(key)).toBeUndefined();
  });

  it('when a garak setup entry has a "__proto__" key, then the run configuration keeps it as data', () => {
    const run = new GarakRunRecorder();
    run.setup(JSON.parse('{"entry_type":"start_run setup","__proto__":{"polluted":true},"plugins.probe_spec":"dan"}'));
    const config = run.draft('garak-hitlog', undefined, () => []).configJson;
    expect(config).toContain('"__proto__":{"polluted":true}');
  });
});
