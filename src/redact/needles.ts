// What to mask: every secret value and the encodings in which a program may print it, as byte strings.
import { Distinct } from './distinct.js';
import { base64Cores, encodings, hexForms, jsonForms, LARGE, utf8Bytes, wipeScratch } from './encodings.js';

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

/** Computes every needle for `secrets`: raw bytes, JSON, URL, shell and base64 forms, and the lines of multi-line values. */
export function needlesFor(secrets: readonly Secret[], policy: NeedlePolicy = defaultNeedlePolicy): NeedleSet {
  // This runs once per process start, cold. A needle is made as a latin1 string (a char per byte), then written into
  // buffers shared by many (distinct.ts): a Buffer per form costs more than the form.
  const found = new Distinct();
  const tooShort: string[] = [];
  const { minValueBytes, minDerivedBytes } = policy;
  for (let i = 0; i < secrets.length; i++) {
    const { name, bytes } = secrets[i]!;
    // Every form is of what the child receives: the environment (UTF-8) turns a lone surrogate into U+FFFD. (Most
    // values hold no surrogate at all, which a plain regular expression tells faster than a Unicode one replaces.)
    let value = secrets[i]!.value;
    if (/[\ud800-\udfff]/.test(value)) value = value.replace(/\p{Surrogate}/gu, '\uFFFD');
    // UTF-8 takes at least a byte per UTF-16 unit: only a short value needs its bytes counted.
    if (value.length < minValueBytes && Buffer.byteLength(value, 'utf8') < minValueBytes) {
      if (value.length > 0) tooShort.push(name);
      continue;
    }
    addValue(found, name, value, minValueBytes, minDerivedBytes);
    // A one-line PEM key or JSON file with `\n` escapes, which the function turns into line breaks itself: the naive
    // `replace(/\\n/g, "\n")`, and every escape JSON.parse would undo but \uXXXX. (Not in a file of more than LARGE
    // characters: keys and service accounts that travel so are a few KiB, and each form of a large one costs its size.)
    if (value.length <= LARGE && /\\[nrt]/.test(value)) {
      const lf = value.replace(/\\n/g, '\n');
      const all = value.replace(/\\[nrt"\\/bf]/g, (e) => UNESCAPE[e]!);
      for (const unescaped of new Set([lf, all])) if (unescaped !== value) addUnescaped(found, name, unescaped, minDerivedBytes);
    }
    // A secret file that is not UTF-8: the child's environment holds it decoded lossily, the file the bytes.
    if (bytes !== undefined && !bytes.equals(Buffer.from(value, 'utf8'))) {
      add(found, name, bytes.toString('latin1'), minValueBytes);
      for (const form of [...base64Cores(bytes), ...hexForms(bytes)]) add(found, name, form, minDerivedBytes);
    }
  }
  wipeScratch();
  const needles = found.take();
  return { needles, tooShort };
}

const UNESCAPE: Readonly<Record<string, string>> = {
  '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\"': '"', '\\\\': '\\', '\\/': '/', '\\b': '\b', '\\f': '\f',
};

/**
 * Adds `value` and its forms; a multi-line value also whole with `\n` and `\r\n` (and as a terminal prints it), and each line on its own. A file of
 * more than LARGE characters keeps its line endings (the redactor's view matches it across any whitespace) and its
 * lines get no forms of their own: each whole form of it is megabytes.
 */
function addValue(found: Distinct, name: string, value: string, min: number, minDerived: number): void {
  if (!value.includes('\n')) return addForms(found, name, value, min, minDerived, true);
  const large = value.length > LARGE;
  const lines = value.split(/\r?\n/);
  const wholes = large ? [value] : [lines.join('\n'), lines.join('\r\n')];
  if (!wholes.includes(value)) wholes.push(value);
  // The other line ending is what a terminal or another platform makes of the printed value: a URL or a JWT of it
  // is made from the value as the function has it.
  for (const whole of wholes) addForms(found, name, whole, min, minDerived, whole === value);
  // A terminal (ONLCR) writes each \n as \r\n, so a value holding \r\n comes out with \r\r\n: raw bytes only.
  if (!large) add(found, name, utf8Bytes(value.replace(/\n/g, '\r\n')), min);
  for (const line of lines) {
    if (large) add(found, name, utf8Bytes(line), minDerived);
    else addForms(found, name, line, minDerived, minDerived, false);
  }
}

/**
 * Adds what a function prints of a value it unescaped itself: the text, with either line ending, and its JSON and
 * base64 forms; each line, and its JSON forms (.NET writes a PEM line's `+` as `\u002B`). Not its URL forms: a URL
 * carries no PEM key nor service account, which is what a value with `\n` escapes is, and each form costs its size.
 */
function addUnescaped(found: Distinct, name: string, text: string, min: number): void {
  const lines = text.split(/\r?\n/);
  for (const whole of new Set([text, lines.join('\n'), lines.join('\r\n')])) add(found, name, utf8Bytes(whole), min);
  for (const form of [...jsonForms(text), ...base64Cores(text)]) add(found, name, form, min);
  for (const line of lines) {
    add(found, name, utf8Bytes(line), min);
    for (const form of jsonForms(line)) add(found, name, form, min);
  }
}

/**
 * Adds `text` (if of at least `min` bytes) and its encodings (if of at least `minDerived`) as needles of `name`;
 * a `whole` text (the value as the function has it, not a line of it) also gets the forms of a URL and a JWT.
 */
function addForms(found: Distinct, name: string, text: string, min: number, minDerived: number, whole: boolean): void {
  add(found, name, utf8Bytes(text), min);
  // The forms come as byte strings already.
  const forms = encodings(text, whole);
  for (let i = 0; i < forms.length; i++) add(found, name, forms[i]!, minDerived);
}

/** The first secret to have some bytes (`key`, a char per byte) as a needle keeps them. */
function add(found: Distinct, name: string, key: string, min: number): void {
  if (key.length >= min) found.add(name, key);
}

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
