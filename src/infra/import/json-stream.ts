import { Tokenizer, TokenType, type ParsedTokenInfo } from '@streamparser/json';
import { AppError } from '../../domain/errors';
import { importError } from '../../domain/importers/types';

/** Where a value sits in a document: object keys, and `*` for any element of an array that is not built. */
export type JsonPath = readonly string[];

/** What a {@link JsonStreamReader} hands over and watches, and the bounds it reads within. */
export interface JsonStreamOptions {
  /** Whether the elements of the array at `path` are to be built and handed over one by one. */
  elementsOf(path: JsonPath): boolean;
  /** Called with each element of such an array, built whole, and its position in the array. */
  onElement(value: unknown, index: number, path: JsonPath): void;
  /** Called for every value outside the elements built, with the value itself when it is a string, number,
   * boolean or null, or `'object'` / `'array'` as it opens (`container` then true, telling it from a string). */
  onValue?(path: JsonPath, value: string | number | boolean | null | 'object' | 'array', container: boolean): void;
  /** Most bytes one element built may span. */
  maxElementBytes: number;
  /** Most bytes one token (a string, a number) or a run of white space may span, anywhere. */
  maxTokenBytes: number;
  /** Most containers open at once. */
  maxDepth: number;
}

/** One open object or array. */
interface Frame {
  kind: 'object' | 'array';
  path: string[];
  /** What may come next: a key (objects), a colon, a value, or a comma or the end. */
  expect: 'key-or-end' | 'key' | 'colon' | 'value-or-end' | 'value' | 'comma-or-end';
  key?: string;
  index: number;
  /** The container being built, when this frame is inside an element that is handed over. */
  built?: Record<string, unknown> | unknown[];
  /** Set on the frame of a selected array: its elements are built. */
  selected?: boolean;
}

/**
 * Reads one JSON document fed in chunks and hands over, one by one, the elements of the arrays the caller selects,
 * keeping nothing else: every other value is passed through {@link JsonStreamOptions.onValue} as it goes by and
 * then dropped, so memory follows the largest element and the nesting depth, never the document. Whatever the
 * document's shape, it cannot hold more than the bounds allow: an element, a string or a nesting past them is an
 * `import_invalid` error naming the byte offset. The grammar is checked as it goes (the tokenizer only splits).
 */
export class JsonStreamReader {
  private readonly tokenizer = new Tokenizer({ emitPartialTokens: true });
  private readonly stack: Frame[] = [];
  private done = false;
  /** Offset where the element being built began, while one is. */
  private elementStart: number | undefined;
  /** Bytes fed so far, and where the last token (whole or partial) began. */
  private fed = 0;
  private lastTokenAt = 0;

  constructor(private readonly options: JsonStreamOptions) {
    this.tokenizer.onToken = (t) => this.token(t);
    // The tokenizer reports through here both its own errors and those thrown while it hands a token over.
    this.tokenizer.onError = (err) => {
      if (err instanceof AppError) throw err;
      throw importError(0, `not valid JSON (${err.message})`);
    };
  }

  /** Feeds the next chunk of the document. */
  write(chunk: Uint8Array): void {
    this.fed += chunk.length;
    this.tokenizer.write(chunk);
    // The tokenizer holds a string or number whole until it ends (and reports a partial one from where it began),
    // so bytes fed since a token began are what it is holding.
    if (this.fed - this.lastTokenAt > this.options.maxTokenBytes) {
      throw importError(0, `at byte ${this.lastTokenAt}: one value spans over ${this.options.maxTokenBytes} bytes`);
    }
  }

  /** Ends the document; throws when it is cut short. */
  end(): void {
    if (!this.tokenizer.isEnded) this.tokenizer.end();
    if (!this.done) throw importError(0, 'not valid JSON (the document ends before its last value is closed)');
  }

  private token({ token, value, offset, partial }: ParsedTokenInfo): void {
    this.lastTokenAt = offset;
    if (this.elementStart !== undefined && offset - this.elementStart > this.options.maxElementBytes) {
      throw importError(0, `at byte ${this.elementStart}: one element is over ${this.options.maxElementBytes} bytes`);
    }
    if (partial) return;
    if (this.done) throw importError(0, `at byte ${offset}: more data after the end of the document`);
    const frame = this.stack[this.stack.length - 1];
    switch (token) {
      case TokenType.LEFT_BRACE:
      case TokenType.LEFT_BRACKET:
        this.open(token === TokenType.LEFT_BRACE ? 'object' : 'array', offset, frame);
        return;
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_BRACKET:
        this.close(token === TokenType.RIGHT_BRACE ? 'object' : 'array', offset, frame);
        return;
      case TokenType.COLON:
        if (frame?.expect !== 'colon') throw unexpected(':', offset);
        frame.expect = 'value';
        return;
      case TokenType.COMMA:
        if (frame?.expect !== 'comma-or-end') throw unexpected(',', offset);
        frame.expect = frame.kind === 'object' ? 'key' : 'value';
        return;
      case TokenType.STRING:
        if (frame?.kind === 'object' && (frame.expect === 'key' || frame.expect === 'key-or-end')) {
          frame.key = value as string;
          frame.expect = 'colon';
          return;
        }
        this.scalar(value as string, offset, frame);
        return;
      case TokenType.NUMBER:
      case TokenType.TRUE:
      case TokenType.FALSE:
      case TokenType.NULL:
        this.scalar(value as number | boolean | null, offset, frame);
        return;
      default:
        throw unexpected(String(value), offset);
    }
  }

  /** The path of the value about to be read in `frame` (the document itself when there is none). */
  private childPath(frame: Frame | undefined): string[] {
    if (!frame) return [];
    return [...frame.path, frame.kind === 'object' ? frame.key! : '*'];
  }

  private expectValue(frame: Frame | undefined, offset: number, what: string): void {
    if (!frame) {
      if (this.stack.length === 0 && !this.done) return;
      throw unexpected(what, offset);
    }
    if (frame.expect !== 'value' && frame.expect !== 'value-or-end') throw unexpected(what, offset);
  }

  private open(kind: 'object' | 'array', offset: number, parent: Frame | undefined): void {
    this.expectValue(parent, offset, kind === 'object' ? '{' : '[');
    if (this.stack.length >= this.options.maxDepth) {
      throw importError(0, `at byte ${offset}: values are nested more than ${this.options.maxDepth} deep`);
    }
    const path = this.childPath(parent);
    const frame: Frame = { kind, path, expect: kind === 'object' ? 'key-or-end' : 'value-or-end', index: 0 };
    if (parent?.built !== undefined || parent?.selected) {
      if (parent.selected && parent.built === undefined) this.elementStart = offset;
      frame.built = kind === 'object' ? {} : [];
    } else {
      this.options.onValue?.(path, kind, true);
      if (kind === 'array' && this.options.elementsOf(path)) frame.selected = true;
    }
    this.stack.push(frame);
  }

  private close(kind: 'object' | 'array', offset: number, frame: Frame | undefined): void {
    const ok =
      frame?.kind === kind &&
      (frame.expect === 'comma-or-end' || frame.expect === (kind === 'object' ? 'key-or-end' : 'value-or-end'));
    if (!ok) throw unexpected(kind === 'object' ? '}' : ']', offset);
    this.stack.pop();
    const parent = this.stack[this.stack.length - 1];
    if (frame.built !== undefined) this.attach(frame.built, parent);
    else this.afterValue(parent);
  }

  private scalar(value: string | number | boolean | null, offset: number, frame: Frame | undefined): void {
    this.expectValue(frame, offset, JSON.stringify(value)?.slice(0, 20) ?? 'a value');
    if (frame && (frame.built !== undefined || frame.selected)) {
      if (frame.selected && frame.built === undefined) this.elementStart = offset;
      this.attach(value, frame);
      return;
    }
    this.options.onValue?.(this.childPath(frame), value, false);
    this.afterValue(frame);
  }

  /** Puts a finished value into the container being built, or hands it over when it is a whole element. */
  private attach(value: unknown, parent: Frame | undefined): void {
    if (parent?.built !== undefined) {
      if (Array.isArray(parent.built)) parent.built.push(value);
      else parent.built[parent.key!] = value;
    } else if (parent?.selected) {
      this.elementStart = undefined;
      this.options.onElement(value, parent.index, parent.path);
    }
    this.afterValue(parent);
  }

  private afterValue(parent: Frame | undefined): void {
    if (!parent) {
      this.done = true;
      return;
    }
    parent.expect = 'comma-or-end';
    parent.index++;
  }
}

function unexpected(what: string, offset: number) {
  return importError(0, `not valid JSON (unexpected ${what} at byte ${offset})`);
}
