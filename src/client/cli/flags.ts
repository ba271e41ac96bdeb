import { parseArgs } from 'node:util';

/** One flag: with a value (`--tenant <id>` or `--tenant=<id>`), repeatable when `multiple`, or a switch. */
export type FlagSpec = { type: 'string'; multiple?: boolean } | { type: 'boolean' };

/** The flags a command takes. */
export type Flags = Record<string, FlagSpec>;

/** The flags of a command whose every flag takes one value. */
export type StringFlags = Record<string, { type: 'string' }>;

type ValueOf<S extends FlagSpec> = S extends { type: 'boolean' }
  ? boolean
  : S extends { multiple: true }
    ? string[]
    : string;

/** A command line read by {@link readFlags}. */
export interface ReadFlags<F extends Flags = StringFlags> {
  values: { [K in keyof F]?: ValueOf<F[K]> };
  positionals: string[];
}

const allowedOf = (flags: Flags): string =>
  Object.keys(flags).length === 0
    ? 'it takes no flags'
    : `its flags are ${Object.keys(flags)
        .map((f) => `--${f}`)
        .join(', ')}`;

/** The first quoted name in one of parseArgs' messages: `Unknown option '--run-started'`. */
const quoted = (message: string): string => /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? message;

/**
 * Reads a command's arguments strictly (`node:util` parseArgs): a flag the command does not take, a flag without
 * its value, a value given to a switch or more positional arguments than `positionals` is an error naming it and
 * what the command takes, never ignored, so that a misspelt `--run-started` cannot silently change what a command
 * does. `command` names the command in the messages (`cli import`).
 */
export function readFlags<F extends Flags = StringFlags>(
  command: string,
  args: readonly string[],
  flags: F,
  positionals = 0,
): ReadFlags<F> {
  let read: ReadFlags<F>;
  try {
    read = parseArgs({
      args: [...args],
      options: flags,
      strict: true,
      allowPositionals: positionals > 0,
    }) as unknown as ReadFlags<F>;
  } catch (err) {
    const { code, message } = err as { code?: string; message: string };
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new Error(`${command}: ${quoted(message)} is not a flag of this command; ${allowedOf(flags)}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      if (/does not take an argument/.test(message)) throw new Error(`${command}: ${quoted(message)} takes no value`);
      throw new Error(`${command}: ${quoted(message)} needs a value (${quoted(message)} <value>)`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const stray = /'([^']*)'/.exec(message)?.[1] ?? '';
      throw new Error(`${command}: unexpected argument "${stray}"`);
    }
    throw err;
  }
  if (read.positionals.length > positionals) {
    throw new Error(`${command}: unexpected argument "${read.positionals[positionals]}"`);
  }
  return read;
}
