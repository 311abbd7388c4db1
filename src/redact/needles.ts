// What to mask: every secret value and the encodings in which a program may print it, as byte strings.

/** A secret as the redactor sees it: a key name (for `{name}` in the mask) and its value. */
export interface Secret {
  name: string;
  value: string;
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
  // become one Buffer: a Buffer per form costs more than the form. A secret's first needle for some bytes wins.
  const nameOf = new Map<string, string>();
  const tooShort: string[] = [];
  for (let i = 0; i < secrets.length; i++) {
    const { name, value } = secrets[i]!;
    // UTF-8 takes at least a byte per UTF-16 unit: only a short value needs its bytes counted.
    if (value.length < policy.minValueBytes && Buffer.byteLength(value, 'utf8') < policy.minValueBytes) {
      if (value.length > 0) tooShort.push(name);
      continue;
    }
    // Every form of an ASCII value is ASCII, so its own latin1 string.
    const ascii = /^[\x00-\x7f]*$/.test(value);
    const add = (text: string, min: number): void => {
      const key = ascii ? text : Buffer.from(text, 'utf8').toString('latin1');
      if (key.length >= min && !nameOf.has(key)) nameOf.set(key, name);
    };
    const lines = value.includes('\n') ? value.split(/\r?\n/) : [value];
    const wholes = lines.length > 1 ? [lines.join('\n'), lines.join('\r\n')] : [value];
    if (!wholes.includes(value)) wholes.push(value);
    for (const whole of wholes) {
      add(whole, policy.minValueBytes);
      for (const form of encodings(whole)) add(form, policy.minDerivedBytes);
    }
    if (lines.length > 1) {
      for (const line of lines) {
        add(line, policy.minDerivedBytes);
        for (const form of encodings(line)) add(form, policy.minDerivedBytes);
      }
    }
  }
  const keys = [...nameOf.keys()];
  const all = Buffer.from(keys.join(''), 'latin1');
  const needles: Needle[] = new Array(keys.length);
  for (let i = 0, at = 0; i < keys.length; i++) {
    const key = keys[i]!;
    needles[i] = { bytes: all.subarray(at, (at += key.length)), name: nameOf.get(key)! };
  }
  return { needles, tooShort };
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
    jsonEscape(value, '\\"', (code) => code > 0x7f, false),
    // Go's encoding/json: HTML-safe, `< > &` and U+2028/U+2029 as \uxxxx.
    jsonEscape(value, '\\"', (code) => code === 0x3c || code === 0x3e || code === 0x26 || code === 0x2028 || code === 0x2029, false),
  ];
  // encodeURIComponent throws on a lone surrogate (a platform store's JSON can carry one); UTF-8 writes it as U+FFFD.
  const uri = encodeURIComponent(value.replace(/\p{Surrogate}/gu, '\uFFFD'));
  const form = new URLSearchParams({ v: value }).toString().slice(2);
  for (const percent of [uri, uri.replace(/%20/g, '+'), form]) forms.push(percent, percent.replace(/%[0-9A-F]{2}/g, (p) => p.toLowerCase()));
  forms.push(...base64Cores(value));
  return forms;
}

/**
 * What .NET's System.Text.Json writes by default (JavaScriptEncoder.Default): `"` `\` and controls escaped,
 * plus the HTML-sensitive `+ < > & ' \`` and everything outside printable ASCII as \uXXXX (upper-case hex).
 */
export function dotnetJsonEscape(value: string): string {
  return jsonEscape(value, '\\u0022', (code) => code > 0x7e || '+<>&\'`'.includes(String.fromCharCode(code)), true);
}

/** A JSON string body: `\\`, short escapes for controls, `quote` for `"`, and \uXXXX for each UTF-16 unit `unicode` picks. */
function jsonEscape(value: string, quote: string, unicode: (code: number) => boolean, upper: boolean): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const short = SHORT_ESCAPES[value[i]!];
    if (short !== undefined) out += short;
    else if (code === 0x22) out += quote;
    else if (code < 0x20 || unicode(code)) {
      const hex = code.toString(16).padStart(4, '0');
      out += '\\u' + (upper ? hex.toUpperCase() : hex);
    } else out += value[i];
  }
  return out;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/**
 * The part of the base64 and base64url encoding of `value` (as UTF-8) that depends on nothing but its bytes, at each
 * of the three byte alignments it can have inside a larger encoded blob (a Basic auth header, a JWT).
 */
export function base64Cores(value: string): string[] {
  // The bytes go after two zero bytes in a buffer kept for the purpose, so each alignment is a native call.
  if (scratch.length < 2 + 3 * value.length) scratch = Buffer.alloc(Math.max(256, 2 + 3 * value.length));
  const length = scratch.write(value, 2, 'utf8');
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    // Character i holds bits [6i, 6i + 6); keep those that lie wholly within the secret's bits.
    const first = Math.ceil((8 * offset) / 6);
    const last = Math.floor((8 * (offset + length)) / 6);
    if (last > first) {
      cores.push(
        scratch.toString('base64', 2 - offset, 2 + length).slice(first, last),
        scratch.toString('base64url', 2 - offset, 2 + length).slice(first, last),
      );
    }
  }
  return cores;
}

let scratch = Buffer.alloc(0);
