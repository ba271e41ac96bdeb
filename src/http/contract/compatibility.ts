/**
 * What a new version of the document breaks for a client written against an old one: a path or operation
 * removed, a response property removed, a request field or parameter newly required, an enum value removed, a
 * type narrowed, or a request limit tightened. Additions are not breaking; neither is loosening.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Follows a local `$ref` (`#/components/…`) in `doc`, as often as it takes. */
function resolve(doc: Json, schema: unknown, seen = 0): unknown {
  if (!isObject(schema) || typeof schema.$ref !== 'string' || seen > 32) return schema;
  let target: unknown = doc;
  for (const part of schema.$ref.replace(/^#\//, '').split('/')) target = isObject(target) ? target[part] : undefined;
  return resolve(doc, target, seen + 1);
}

/** The JSON types a schema admits, its `anyOf` and `oneOf` members' included; empty when it says none (any). */
function typesOf(doc: Json, raw: unknown): Set<string> {
  const schema = resolve(doc, raw);
  const out = new Set<string>();
  if (!isObject(schema)) return out;
  const own = schema.type;
  for (const t of Array.isArray(own) ? own : own === undefined ? [] : [own]) out.add(String(t));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const members = schema[key];
    if (!Array.isArray(members)) continue;
    for (const m of members) {
      const inner = typesOf(doc, m);
      if (inner.size === 0) return new Set();
      inner.forEach((t) => out.add(t));
    }
  }
  return out;
}

const TIGHTER_IF_LOWER = ['maxLength', 'maximum', 'maxItems', 'exclusiveMaximum', 'maxProperties'];
const TIGHTER_IF_HIGHER = ['minLength', 'minimum', 'minItems', 'exclusiveMinimum', 'minProperties'];

interface Walk {
  before: Json;
  after: Json;
  problems: string[];
  /** Requests: what a client sends; responses: what it reads. */
  side: 'request' | 'response';
  depth: number;
}

function compareSchemas(w: Walk, oldRaw: unknown, newRaw: unknown, at: string): void {
  if (w.depth > 64) return;
  const o = resolve(w.before, oldRaw);
  const n = resolve(w.after, newRaw);
  if (!isObject(o) || !isObject(n)) return;
  // A schema that became a choice (`anyOf`, `oneOf`) widened where one of its members still takes the old one.
  const choices = Array.isArray(n.anyOf) ? n.anyOf : Array.isArray(n.oneOf) ? n.oneOf : undefined;
  if (choices && !Array.isArray(o.anyOf) && !Array.isArray(o.oneOf)) {
    const tried = choices.map((member) => {
      const problems: string[] = [];
      compareSchemas({ ...w, problems, depth: w.depth + 1 }, o, member, at);
      return problems;
    });
    const best = tried.reduce((a, b) => (b.length < a.length ? b : a));
    w.problems.push(...best);
    return;
  }
  const oldTypes = typesOf(w.before, o);
  const newTypes = typesOf(w.after, n);
  if (newTypes.size > 0) {
    const lost =
      oldTypes.size === 0
        ? ['any']
        : [...oldTypes].filter((t) => !newTypes.has(t) && !(t === 'integer' && newTypes.has('number')));
    if (lost.length > 0) w.problems.push(`${at}: type narrowed (no longer ${lost.join(', ')})`);
  }
  if (Array.isArray(o.enum)) {
    const kept = new Set(Array.isArray(n.enum) ? n.enum.map(String) : undefined);
    const removed = Array.isArray(n.enum) ? o.enum.map(String).filter((v) => !kept.has(v)) : [];
    if (removed.length > 0)
      w.problems.push(`${at}: enum value${removed.length > 1 ? 's' : ''} removed: ${removed.join(', ')}`);
  }
  if (w.side === 'request') {
    for (const k of TIGHTER_IF_LOWER) {
      if (typeof n[k] === 'number' && (typeof o[k] !== 'number' || (n[k] as number) < (o[k] as number))) {
        w.problems.push(`${at}: ${k} tightened to ${n[k]}`);
      }
    }
    for (const k of TIGHTER_IF_HIGHER) {
      if (typeof n[k] === 'number' && (typeof o[k] !== 'number' || (n[k] as number) > (o[k] as number))) {
        w.problems.push(`${at}: ${k} tightened to ${n[k]}`);
      }
    }
    if (typeof n.pattern === 'string' && n.pattern !== o.pattern)
      w.problems.push(`${at}: pattern changed to ${n.pattern}`);
    const oldRequired = new Set(Array.isArray(o.required) ? o.required.map(String) : []);
    for (const r of Array.isArray(n.required) ? n.required.map(String) : []) {
      if (!oldRequired.has(r)) w.problems.push(`${at}.${r}: newly required`);
    }
    if (n.additionalProperties === false && o.additionalProperties !== false) {
      w.problems.push(`${at}: unknown properties now refused`);
    }
  }
  const oldProps = isObject(o.properties) ? o.properties : {};
  const newProps = isObject(n.properties) ? n.properties : {};
  for (const [name, schema] of Object.entries(oldProps)) {
    if (!(name in newProps)) {
      // A request property removed is refused from now on where unknown ones are; a response one is gone.
      if (w.side === 'response' || n.additionalProperties === false) w.problems.push(`${at}.${name}: removed`);
      continue;
    }
    compareSchemas({ ...w, depth: w.depth + 1 }, schema, newProps[name], `${at}.${name}`);
  }
  if (o.items !== undefined && n.items !== undefined) {
    compareSchemas({ ...w, depth: w.depth + 1 }, o.items, n.items, `${at}[]`);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const om = o[key];
    const nm = n[key];
    if (Array.isArray(om) && Array.isArray(nm) && om.length === nm.length) {
      om.forEach((m, i) => compareSchemas({ ...w, depth: w.depth + 1 }, m, nm[i], at));
    }
  }
}

/** Every breaking change from `before` to `after`, one line each; empty when a client of `before` keeps working. */
export function breakingChanges(before: Json, after: Json): string[] {
  const problems: string[] = [];
  const oldPaths = isObject(before.paths) ? before.paths : {};
  const newPaths = isObject(after.paths) ? after.paths : {};
  for (const [path, oldItem] of Object.entries(oldPaths)) {
    const newItem = newPaths[path];
    if (!isObject(newItem)) {
      problems.push(`${path}: path removed`);
      continue;
    }
    for (const method of METHODS) {
      const o = isObject(oldItem) ? oldItem[method] : undefined;
      const n = newItem[method];
      if (!isObject(o)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (!isObject(n)) {
        problems.push(`${where}: operation removed`);
        continue;
      }
      const request: Walk = { before, after, problems, side: 'request', depth: 0 };
      const response: Walk = { ...request, side: 'response' };
      const params = (op: Json) =>
        new Map(
          (Array.isArray(op.parameters) ? op.parameters : [])
            .map((p) => resolve(op === o ? before : after, p))
            .filter(isObject)
            .map((p) => [`${String(p.in)} ${String(p.name)}`, p] as const),
        );
      const oldParams = params(o);
      for (const [key, p] of params(n)) {
        const was = oldParams.get(key);
        if (p.required === true && was?.required !== true) problems.push(`${where}: parameter ${key} newly required`);
        if (was) compareSchemas(request, was.schema, p.schema, `${where} ${key}`);
      }
      const bodyOf = (op: Json, doc: Json) => {
        const body = resolve(doc, op.requestBody);
        const content = isObject(body) && isObject(body.content) ? body.content : {};
        return content['application/json'] as Json | undefined;
      };
      const ob = bodyOf(o, before);
      const nb = bodyOf(n, after);
      if (ob && nb) compareSchemas(request, ob.schema, nb.schema, `${where} body`);
      if (!ob && nb && isObject(n.requestBody) && n.requestBody.required === true) {
        problems.push(`${where}: a request body is newly required`);
      }
      const oldResponses = isObject(o.responses) ? o.responses : {};
      const newResponses = isObject(n.responses) ? n.responses : {};
      for (const [status, oldAnswer] of Object.entries(oldResponses)) {
        const newAnswer = resolve(after, newResponses[status]);
        if (!isObject(newAnswer)) {
          problems.push(`${where}: response ${status} removed`);
          continue;
        }
        const oc = resolve(before, oldAnswer);
        const oldContent = isObject(oc) && isObject(oc.content) ? oc.content : {};
        const newContent = isObject(newAnswer.content) ? newAnswer.content : {};
        for (const [type, media] of Object.entries(oldContent)) {
          const nm = newContent[type];
          if (!isObject(nm)) {
            problems.push(`${where}: response ${status} no longer ${type}`);
            continue;
          }
          if (isObject(media)) compareSchemas(response, media.schema, nm.schema, `${where} ${status}`);
        }
      }
    }
  }
  return [...new Set(problems)];
}
