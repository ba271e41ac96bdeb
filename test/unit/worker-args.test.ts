import { parseWorkerArgs } from '../../src/main/worker-args';

describe('the worker command line', () => {
  it('when a role is given, then the worker runs that role; without one, both, as before the roles', () => {
    expect(parseWorkerArgs(['--role', 'render'])).toBe('render');
    expect(parseWorkerArgs(['--role=steps'])).toBe('steps');
    expect(parseWorkerArgs([])).toBe('both');
  });

  it('when the role is unknown, then the error names it and the roles there are', () => {
    expect(() => parseWorkerArgs(['--role', 'renderer'])).toThrow(
      '--role "renderer" is not a role; use one of steps, render',
    );
    expect(() => parseWorkerArgs(['--role', 'both'])).toThrow('--role "both" is not a role; use one of steps, render');
  });

  it('when a flag is misspelt or an argument stray, then it is an error, not ignored', () => {
    expect(() => parseWorkerArgs(['--rol', 'render'])).toThrow(
      'worker: --rol is not a flag of this command; its flags are --role',
    );
    expect(() => parseWorkerArgs(['render'])).toThrow('worker: unexpected argument "render"');
    expect(() => parseWorkerArgs(['--role'])).toThrow('worker: --role needs a value (--role <value>)');
  });
});
