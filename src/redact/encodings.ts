// The forms a common library prints a string in: JSON string bodies, percent-encodings, shell quoting, base64.

/**
 * The forms a program may print `value` in, besides the value itself (duplicates included: the caller dedupes), as
 * byte strings (a char per byte of their UTF-8). A `whole` value (not one line of a multi-line one) of at most 512
 * bytes also gets all the forms of a URL and those of a JWT; a value of more than LARGE characters (a file) only its JSON,
 * shell and base64 forms.
 */
export function encodings(value: string, whole: boolean): string[] {
  // Letters, digits and `_.-` are left alone by every JSON, URL and shell encoder below: only base64 differs.
  if (/^[\w.-]*$/.test(value)) return base64Cores(value);
  // What a URL, a form or a JWT carries is a password, a key or a token, not a file nor one line of it. These forms
  // are about 40 needles, each longer than the value: for 1,000 values of 1 KiB, 150 MB of needles and 3.4 GB of
  // automaton where the others make 24 MB and 0.7 GB.
  const short = whole && value.length <= SHORT_MAX && Buffer.byteLength(value, 'utf8') <= SHORT_MAX;
  const json = jsonForms(value);
  const forms = [...json, ...base64Cores(value)];
  // No URL holds a file: percent-encoding one would only cost memory (4.7 MB a form for 1 MiB of non-ASCII).
  if (value.length <= LARGE) forms.push(...percentForms(value, short ? PERCENT_RAW.length : 2));
  // A JWT payload holds base64url of the escaped form, not of the value (json holds bytes: base64 of them as such).
  if (short) for (const escaped of json) if (escaped !== value) forms.push(...base64Cores(Buffer.from(escaped, 'latin1')));
  // What `bash -x` prints for a value holding `'`: each quote closed, escaped and reopened (dash prints it raw).
  if (value.includes("'")) forms.push(utf8Bytes(value.replaceAll("'", "'\\''")));
  return forms;
}

/** The longest value, in UTF-8 bytes, that gets all the forms of a URL and a JWT. */
const SHORT_MAX = 512;

/** Characters past which a value is a file (a keystore, a certificate bundle): fewer forms, see encodings. */
export const LARGE = 64 * 1024;

/** `text` as a byte string: the latin1 string of its UTF-8 (an ASCII text is its own). */
export function utf8Bytes(text: string): string {
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

/** The distinct JSON string bodies of `value` written by JavaScript, .NET, Python and Go, as byte strings. */
export function jsonForms(value: string): string[] {
  const forms = new Set([
    // JSON.stringify; also Python's ensure_ascii=False.
    utf8Bytes(JSON.stringify(value).slice(1, -1)),
    jsonEscape(value, DOTNET, true),
    // The same in lower-case hex, as other encoders of that set write it.
    jsonEscape(value, DOTNET, false),
    // Python's json.dumps (ensure_ascii): DEL and everything outside ASCII as \uxxxx.
    jsonEscape(value, PYTHON, false),
    jsonEscape(value, GO, false),
  ]);
  // Go before 1.22 wrote \b and \f as \u0008 and \u000c, with or without its HTML escaping (SetEscapeHTML).
  if (/[\b\f]/.test(value)) forms.add(jsonEscape(value, GO, false, false)).add(jsonEscape(value, GO_NO_HTML, false, false));
  return [...forms];
}

/**
 * What .NET's System.Text.Json writes by default (JavaScriptEncoder.Default): `"` `\` and controls escaped,
 * plus the HTML-sensitive `+ < > & ' \`` and everything outside printable ASCII as \uXXXX (upper-case hex).
 */
export function dotnetJsonEscape(value: string): string {
  return jsonEscape(value, DOTNET, true);
}

/** Which UTF-16 units a JSON encoder escapes: ASCII ones by table (always `"`, `\`, controls), the rest by range. */
interface JsonEscapes {
  ascii: Uint8Array;
  /** What `"` becomes. */
  quote: string;
  /** Units from this one up are all escaped (0x10000: none), besides U+2028 and U+2029 when `separators`. */
  from: number;
  separators: boolean;
}

function escapes(extra: string, quote: string, from: number, separators: boolean): JsonEscapes {
  const ascii = new Uint8Array(128);
  for (let c = 0; c < 0x20; c++) ascii[c] = 1;
  for (const c of '"\\' + extra) ascii[c.charCodeAt(0)] = 1;
  for (let c = from; c < 0x80; c++) ascii[c] = 1;
  return { ascii, quote, from, separators };
}

const DOTNET = escapes("+<>&'`", '\\u0022', 0x7f, false);
const PYTHON = escapes('', '\\"', 0x7f, false);
/** Go's encoding/json (HTML-safe by default): also `< > &` and U+2028/U+2029, as \uxxxx. */
const GO = escapes('<>&', '\\"', 0x10000, true);
const GO_NO_HTML = escapes('', '\\"', 0x10000, true);

/** Short escapes of the controls that have one, by code (`\b` and `\f` only if asked). */
const SHORT_ESCAPES: Readonly<Record<number, string>> = { 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f' };
const HEX = '0123456789abcdef0123456789ABCDEF';

/**
 * A JSON string body as a byte string: short escapes for `\\` and controls (`\b` and `\f` only if `shortBF`), the
 * encoder's quote for `"`, \uXXXX for the other units it escapes, UTF-8 for the rest. A loop into one buffer: a
 * regular expression's replace with a function makes ~100 MB of garbage for a 1 MiB value of non-ASCII text.
 */
function jsonEscape(value: string, set: JsonEscapes, upper: boolean, shortBF = true): string {
  const out = room(6 * value.length);
  const hex = upper ? 16 : 0;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const escaped = unit < 0x80 ? set.ascii[unit] === 1 : unit >= set.from || (set.separators && (unit === 0x2028 || unit === 0x2029));
    if (!escaped) {
      n = writeUtf8(out, n, value, i, unit);
      if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < value.length) i++;
      continue;
    }
    const short = unit === 0x22 ? set.quote : SHORT_ESCAPES[unit];
    if (short !== undefined && (shortBF || (unit !== 0x08 && unit !== 0x0c))) {
      n += out.write(short, n, 'latin1');
      continue;
    }
    out[n++] = 0x5c;
    out[n++] = 0x75;
    for (let shift = 12; shift >= 0; shift -= 4) out[n++] = HEX.charCodeAt(hex + ((unit >> shift) & 15));
  }
  return out.toString('latin1', 0, n);
}

/** Writes the UTF-8 of `unit` (with the next unit, when `unit` begins a surrogate pair) at `n`; returns the new end. */
function writeUtf8(out: Buffer, n: number, value: string, i: number, unit: number): number {
  if (unit < 0x80) out[n++] = unit;
  else if (unit < 0x800) {
    out[n++] = 0xc0 | (unit >> 6);
    out[n++] = 0x80 | (unit & 63);
  } else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < value.length) {
    // Surrogates come in pairs here: needlesFor made every lone one U+FFFD, as the child's environment does.
    const point = 0x10000 + ((unit - 0xd800) << 10) + (value.charCodeAt(i + 1) - 0xdc00);
    out[n++] = 0xf0 | (point >> 18);
    out[n++] = 0x80 | ((point >> 12) & 63);
    out[n++] = 0x80 | ((point >> 6) & 63);
    out[n++] = 0x80 | (point & 63);
  } else {
    out[n++] = 0xe0 | (unit >> 12);
    out[n++] = 0x80 | ((unit >> 6) & 63);
    out[n++] = 0x80 | (unit & 63);
  }
  return n;
}

/** The WHATWG path set (URL pathname), which also turns `\` into `/` in an http(s) URL. */
const WHATWG_PATH = "~!$&'()*+,/:;=@[]^|%";

/**
 * Percent-encoders by the ASCII punctuation each leaves raw (letters, digits, `-._` are raw in all, controls,
 * DEL and non-ASCII bytes escaped in all). Checked against the real encoders in test/redact/encoders.test.ts;
 * Go's from the source of net/url (shouldEscape).
 */
const PERCENT_RAW: readonly string[] = [
  // encodeURIComponent, the WHATWG component set.
  "!~*'()",
  // URLSearchParams (application/x-www-form-urlencoded), Java URLEncoder.
  '*',
  // Strict RFC 3986 (unreserved only): .NET Uri.EscapeDataString and FormUrlEncodedContent, Python quote(safe='')
  // and quote_plus / urlencode (requests' params), Go QueryEscape.
  '~',
  // Python's quote with its default safe='/'.
  '~/',
  // .NET WebUtility.UrlEncode (upper-case hex) and HttpUtility.UrlEncode (lower-case hex).
  '!*()',
  // The WHATWG userinfo set: Node's URL username and password setters (a connection string).
  "~!$&'()*+,%",
  // Go's PathEscape, and its userinfo (url.UserPassword).
  '~$&+:=@',
  '~$&+,;=',
  // The WHATWG special-query set (URL search).
  "~!$&()*+,/:;=?@[\\]^`{|}%",
  WHATWG_PATH,
];

/** `value` by the first `encoders` above, with `%20` and `+` for a space, in upper- and lower-case hex. */
function percentForms(value: string, encoders: number): string[] {
  // encodeURIComponent is native and escapes all but `!~*'()`: only the ASCII punctuation differs between encoders.
  const uri = encodeURIComponent(value);
  const upper = new Set([uri]);
  // Without ASCII punctuation or a space, every encoder writes what encodeURIComponent does.
  if (/[ -,/:-@[-^`{-~]/.test(value)) {
    const path = value.includes('\\') ? encodeURIComponent(value.replaceAll('\\', '/')) : uri;
    for (let i = 0; i < encoders; i++) {
      const pieces = PERCENT_PIECES[i]!;
      const form = (PERCENT_RAW[i] === WHATWG_PATH ? path : uri).replace(PUNCTUATION, (piece) => pieces[piece]!);
      // `+` for a space only where a literal `+` is escaped: an encoder that leaves `+` raw cannot use it for a space.
      upper.add(form);
      if (!PERCENT_RAW[i]!.includes('+')) upper.add(form.replaceAll('%20', '+'));
    }
  }
  return [...upper].flatMap((form) => [form, lowerHex(form)]);
}

/** A piece of encodeURIComponent's output that is ASCII punctuation: an escape, or one of the marks it leaves raw. */
const PUNCTUATION = /%(?:2[0-9A-F]|3[A-F]|40|5[B-F]|60|7[B-E])|[!~*'()]/g;

/** For each encoder above, what it writes for each such piece: the character if it leaves it raw, else its escape. */
const PERCENT_PIECES: readonly Readonly<Record<string, string>>[] = PERCENT_RAW.map((raw) => {
  const pieces: Record<string, string> = {};
  for (let code = 0x20; code < 0x7f; code++) {
    const c = String.fromCharCode(code);
    const escape = '%' + code.toString(16).toUpperCase();
    pieces[c] = pieces[escape] = raw.includes(c) ? c : escape;
  }
  return pieces;
});

/** `form` (ASCII) with the hex digits after each `%` in lower case: a loop over bytes, as a large value has many. */
function lowerHex(form: string): string {
  const bytes = Buffer.from(form, 'latin1');
  for (let i = 0; i + 2 < bytes.length; i++) {
    if (bytes[i] !== 0x25) continue;
    if (bytes[i + 1]! >= 0x41 && bytes[i + 1]! <= 0x46) bytes[i + 1]! |= 0x20;
    if (bytes[i + 2]! >= 0x41 && bytes[i + 2]! <= 0x46) bytes[i + 2]! |= 0x20;
  }
  return bytes.toString('latin1');
}

/** Lower- and upper-case hex of `bytes` (xxd -p, Buffer's and Python's hex()). */
export function hexForms(bytes: Buffer): string[] {
  const hex = bytes.toString('hex');
  return [hex, hex.toUpperCase()];
}

/**
 * The part of the base64 and base64url encoding of `value` (a string as UTF-8, or bytes) that depends on nothing but
 * its bytes, at each of the three byte alignments it can have inside a larger encoded blob (a Basic auth header, a JWT).
 */
export function base64Cores(value: string | Buffer): string[] {
  // The bytes go after two zero bytes in a buffer kept for the purpose, so that each alignment is one native call.
  const room = 2 + (typeof value === 'string' ? 3 * value.length : value.length);
  if (scratch.length < room) scratch = Buffer.alloc(Math.max(256, room));
  const length = typeof value === 'string' ? scratch.write(value, 2, 'utf8') : value.copy(scratch, 2);
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
let escapeScratch = Buffer.alloc(0);

/** The buffer the JSON escapes are written into, of at least `bytes`. */
function room(bytes: number): Buffer {
  if (escapeScratch.length < bytes) escapeScratch = Buffer.alloc(Math.max(256, bytes));
  return escapeScratch;
}

/**
 * Zeroes and lets go the buffers kept between calls (megabytes, for a large value). Tidiness, not protection: the
 * needles hold the same bytes.
 */
export function wipeScratch(): void {
  scratch.fill(0);
  escapeScratch.fill(0);
  scratch = escapeScratch = Buffer.alloc(0);
}
