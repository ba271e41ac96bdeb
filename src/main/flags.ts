import { parseArgs } from 'node:util';

/** The flags a command takes, each with a value (`--tenant <id>` or `--tenant=<id>`). */
export type Flags = Record<string, { type: 'string' }>;

/** A command line read by {@link readFlags}. */
export interface ReadFlags {
  values: Record<string, string | undefined>;
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
 * its value or more positional arguments than `positionals` is an error naming it and what the command takes,
 * never ignored, so that a misspelt `--run-started` cannot silently change what a command does. `command` names
 * the command in the messages (`cli import`).
 */
export function readFlags(command: string, args: readonly string[], flags: Flags, positionals = 0): ReadFlags {
  let read: ReadFlags;
  try {
    read = parseArgs({ args: [...args], options: flags, strict: true, allowPositionals: positionals > 0 }) as ReadFlags;
  } catch (err) {
    const { code, message } = err as { code?: string; message: string };
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new Error(`${command}: ${quoted(message)} is not a flag of this command; ${allowedOf(flags)}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
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
