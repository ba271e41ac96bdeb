/** One DER element as it lies in a buffer: where its header starts, where its contents start and end. */
export interface DerElement {
  /** The identifier octet (class, constructed bit and tag number below 31). */
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/** Reads the element that starts at `offset`. Only definite lengths and single-octet tags are accepted: DER allows
 * nothing else for the structures read here, and a reader that guessed would splice bytes in the wrong place. */
export function readElement(der: Buffer, offset = 0): DerElement {
  if (offset + 2 > der.length) throw new Error(`DER: no element at offset ${offset}`);
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error(`DER: multi-octet tag at offset ${offset}`);
  const first = der[offset + 1]!;
  let length: number;
  let contentStart: number;
  if (first < 0x80) {
    length = first;
    contentStart = offset + 2;
  } else {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new Error(`DER: unsupported length form at offset ${offset}`);
    if (offset + 2 + octets > der.length) throw new Error(`DER: truncated length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[offset + 2 + i]!;
    contentStart = offset + 2 + octets;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error(`DER: element at offset ${offset} runs past the end of the data`);
  return { tag, start: offset, contentStart, end };
}

/** The elements inside a constructed element, in order. */
export function childrenOf(der: Buffer, parent: DerElement): DerElement[] {
  if ((parent.tag & 0x20) === 0) throw new Error(`DER: element at offset ${parent.start} is not constructed`);
  const children: DerElement[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readElement(der, at);
    children.push(child);
    at = child.end;
  }
  return children;
}

/** The DER header (identifier and length octets) for contents of `length` bytes. */
export function derHeader(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([tag, 0x80 | octets.length, ...octets]);
}

/** Returns `der` with `extra` appended to the contents of the element reached by `path` (child indices from the
 * outermost element; a negative index counts from the last child), every enclosing length rewritten. Every other
 * byte is kept as it was: re-encoding a signed structure could change bytes a signature covers. */
export function appendInside(der: Buffer, path: readonly number[], extra: Buffer): Buffer {
  const outer = readElement(der, 0);
  return Buffer.concat([rebuild(der, outer, path, extra), der.subarray(outer.end)]);
}

function rebuild(der: Buffer, element: DerElement, path: readonly number[], extra: Buffer): Buffer {
  let contents: Buffer;
  if (path.length === 0) {
    contents = Buffer.concat([der.subarray(element.contentStart, element.end), extra]);
  } else {
    const children = childrenOf(der, element);
    const index = path[0]! < 0 ? children.length + path[0]! : path[0]!;
    const target = children[index];
    if (!target) throw new Error(`DER: element at offset ${element.start} has no child ${path[0]}`);
    contents = Buffer.concat([
      der.subarray(element.contentStart, target.start),
      rebuild(der, target, path.slice(1), extra),
      der.subarray(target.end, element.end),
    ]);
  }
  return Buffer.concat([derHeader(element.tag, contents.length), contents]);
}
