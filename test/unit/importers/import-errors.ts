import { AppError } from '../../../src/domain/errors';

/** The import error `run` throws; fails the test when it throws nothing (`accepted` says what happened then)
 * or something other than an AppError. */
export function errorOf(run: () => unknown, accepted = 'the file was accepted'): AppError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error(`expected an import error, but ${accepted}`);
}
