// What to mask: every secret value and the encodings in which a program may print it, as byte strings.

/** A secret as the redactor sees it: a key name (for `{name}` in the mask) and its value. */
export interface Secret {
  name: string;
  value: string;
  /** The value as its source held it, when that is not the UTF-8 of `value` (a binary secret file). */
  bytes?: Buffer;
}

/** One byte string to mask, and the secret it came from. */
export interface Needle {
  bytes: Buffer;
  name: string;
}

/** Lengths below which masking would destroy logs (masking `e` everywhere) rather than protect anything. */
export interface NeedlePolicy {
  /** Shortest raw value, in UTF-8 bytes, that is masked at all. */
  minValueBytes: number;
  /** Shortest derived form (an encoding, one line of a multi-line value) that is masked. */
  minDerivedBytes: number;
}

/** The defaults: anything shorter occurs by chance in ordinary logs, and masking it would destroy them. */
export const defaultNeedlePolicy: NeedlePolicy = { minValueBytes: 4, minDerivedBytes: 8 };

/** The needles of a set of secrets, and the names of those too short to mask. */
export interface NeedleSet {
  needles: Needle[];
  tooShort: string[];
}

/** Computes every needle for `secrets`: raw bytes, JSON, URL and base64 forms, and the lines of multi-line values. */
export function needlesFor(secrets: readonly Secret[], policy: NeedlePolicy = defaultNeedlePolicy): NeedleSet {
  // This runs once per process start, cold. A needle is a latin1 string (a char per byte) until the end, when all
  // become one Buffer: a Buffer per form costs more than the form.
  const nameOf = new Map<string, string>();
  const tooShort: string[] = [];
  const { minValueBytes, minDerivedBytes } = policy;
  for (let i = 0; i < secrets.length; i++) {
    const { name, value } = secrets[i]!;
    // UTF-8 takes at least a byte per UTF-16 unit: only a short value needs its bytes counted.
    if (value.length < minValueBytes && Buffer.byteLength(value, 'utf8') < minValueBytes) {
      if (value.length > 0) tooShort.push(name);
      continue;
    }
    // Every form of an ASCII value is ASCII, so its own latin1 string.
    const ascii = /^[\x00-\x7f]*$/.test(value);
    if (!value.includes('\n')) {
      addForms(nameOf, name, value, minValueBytes, minDerivedBytes, ascii);
      continue;
    }
    const lines = value.split(/\r?\n/);
    const wholes = [lines.join('\n'), lines.join('\r\n')];
    if (!wholes.includes(value)) wholes.push(value);
    for (const whole of wholes) addForms(nameOf, name, whole, minValueBytes, minDerivedBytes, ascii);
    for (const line of lines) addForms(nameOf, name, line, minDerivedBytes, minDerivedBytes, ascii);
  }
  // Tidiness, not protection (the needles hold the same bytes): the module-level buffer keeps no secret after us.
  scratch.fill(0);
  const keys = [...nameOf.keys()];
  const all = Buffer.from(keys.join(''), 'latin1');
  const needles: Needle[] = new Array(keys.length);
  for (let i = 0, at = 0; i < keys.length; i++) {
    const key = keys[i]!;
    needles[i] = { bytes: all.subarray(at, (at += key.length)), name: nameOf.get(key)! };
  }
  return { needles, tooShort };
}

/** Adds `text` (if of at least `min` bytes) and its encodings (if of at least `minDerived`) as needles of `name`. */
function addForms(nameOf: Map<string, string>, name: string, text: string, min: number, minDerived: number, ascii: boolean): void {
  add(nameOf, name, text, min, ascii);
  const forms = encodings(text);
  for (let i = 0; i < forms.length; i++) add(nameOf, name, forms[i]!, minDerived, ascii);
}

/** The first secret to have some bytes as a needle keeps them. */
function add(nameOf: Map<string, string>, name: string, text: string, min: number, ascii: boolean): void {
  const key = ascii ? text : Buffer.from(text, 'utf8').toString('latin1');
  if (key.length >= min && !nameOf.has(key)) nameOf.set(key, name);
}

/** The forms a program may print `value` in, besides the value itself. */
function encodings(value: string): string[] {
  // Letters, digits and `_.-` are left alone by every JSON and URL encoder: only base64 differs.
  if (/^[\w.-]*$/.test(value)) return base64Cores(value);
  const dotnet = dotnetJsonEscape(value);
  const forms: string[] = [
    JSON.stringify(value).slice(1, -1),
    dotnet,
    dotnet.replace(/\\u[0-9A-F]{4}/g, (u) => u.toLowerCase()),
    // Python's json.dumps (ensure_ascii): everything outside ASCII as \uxxxx.
    jsonEscape(value, '\\"', /["\\\x00-\x1f\x80-\uffff]/g, false),
    // Go's encoding/json: HTML-safe, `< > &` and U+2028/U+2029 as \uxxxx.
    jsonEscape(value, '\\"', /["\\\x00-\x1f<>&\u2028\u2029]/g, false),
  ];
  // encodeURIComponent throws on a lone surrogate (a platform store's JSON can carry one); UTF-8 writes it as U+FFFD.
  const uri = encodeURIComponent(value.replace(/\p{Surrogate}/gu, '\uFFFD'));
  const plus = uri.replace(/%20/g, '+');
  // An HTML form (URLSearchParams) also escapes the `! ' ( ) ~` that encodeURIComponent leaves alone.
  const form = plus.replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  for (const percent of [uri, plus, form]) forms.push(percent, percent.replace(/%[0-9A-F]{2}/g, (p) => p.toLowerCase()));
  forms.push(...base64Cores(value));
  return forms;
}

/**
 * What .NET's System.Text.Json writes by default (JavaScriptEncoder.Default): `"` `\` and controls escaped,
 * plus the HTML-sensitive `+ < > & ' \`` and everything outside printable ASCII as \uXXXX (upper-case hex).
 */
export function dotnetJsonEscape(value: string): string {
  return jsonEscape(value, '\\u0022', /["\\\x00-\x1f+<>&'`\x7f-\uffff]/g, true);
}

/**
 * A JSON string body: `\\`, short escapes for controls, `quote` for `"`, and \uXXXX for the other UTF-16 units
 * that `escaped` matches (`"`, `\\`, controls and whichever more this encoder escapes).
 */
function jsonEscape(value: string, quote: string, escaped: RegExp, upper: boolean): string {
  return value.replace(escaped, (unit) => {
    const short = SHORT_ESCAPES[unit];
    if (short !== undefined) return short;
    if (unit === '"') return quote;
    const hex = unit.charCodeAt(0).toString(16).padStart(4, '0');
    return '\\u' + (upper ? hex.toUpperCase() : hex);
  });
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/**
 * The part of the base64 and base64url encoding of `value` (as UTF-8) that depends on nothing but its bytes, at each
 * of the three byte alignments it can have inside a larger encoded blob (a Basic auth header, a JWT).
 */
export function base64Cores(value: string): string[] {
  // The bytes go after two zero bytes in a buffer kept for the purpose, so that each alignment is one native call.
  if (scratch.length < 2 + 3 * value.length) scratch = Buffer.alloc(Math.max(256, 2 + 3 * value.length));
  const length = scratch.write(value, 2, 'utf8');
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    // Character i holds bits [6i, 6i + 6); keep those that lie wholly within the secret's bits.
    const first = Math.ceil((8 * offset) / 6);
    const last = Math.floor((8 * (offset + length)) / 6);
    if (last > first) {
      const core = scratch.toString('base64', 2 - offset, 2 + length).slice(first, last);
      cores.push(core);
      if (/[+/]/.test(core)) cores.push(core.replaceAll('+', '-').replaceAll('/', '_'));
    }
  }
  return cores;
}

let scratch = Buffer.alloc(0);

/** The needles in byte order, and how many bytes each shares with the one before. */
export function byteOrder(needles: readonly Needle[]): { order: Int32Array; shared: Int32Array } {
  // A native sort of latin1 strings (a comparator would run in JavaScript for each comparison), each made on its
  // own: slices of one string compare several times slower.
  const keys: string[] = new Array(needles.length);
  const indexOf = new Map<string, number>();
  for (let i = 0; i < needles.length; i++) indexOf.set((keys[i] = needles[i]!.bytes.toString('latin1')), i);
  keys.sort();
  const order = new Int32Array(needles.length);
  const shared = new Int32Array(needles.length);
  for (let j = 0; j < needles.length; j++) {
    order[j] = indexOf.get(keys[j]!)!;
    if (j === 0) continue;
    const a = needles[order[j - 1]!]!.bytes;
    const b = needles[order[j]!]!.bytes;
    let common = 0;
    while (common < a.length && common < b.length && a[common] === b[common]) common++;
    shared[j] = common;
  }
  return { order, shared };
}
