// The forms a common library prints a string in: JSON string bodies, percent-encodings, shell quoting, base64.

/**
 * The forms a program may print `value` in, besides the value itself (duplicates included: the caller dedupes).
 * A `whole` value (not one line of a multi-line one) of at most 512 characters also gets the forms of a URL or a JWT.
 */
export function encodings(value: string, whole: boolean): string[] {
  // Letters, digits and `_.-` are left alone by every JSON, URL and shell encoder below: only base64 differs.
  if (/^[\w.-]*$/.test(value)) return base64Cores(value);
  // What a URL, a form or a JWT carries is a password, a key or a token, not a file nor one line of it. These forms
  // are about 40 needles, each longer than the value: for 1,000 values of 1 KiB, 150 MB of needles and 3.4 GB of
  // automaton where the others make 24 MB and 0.7 GB.
  const short = whole && value.length <= SHORT_MAX;
  const json = jsonForms(value);
  const forms = [...json, ...percentForms(value, short ? PERCENT_RAW.length : 2), ...base64Cores(value)];
  // A JWT payload holds base64url of the escaped form, not of the value.
  if (short) for (const escaped of json) if (escaped !== value) forms.push(...base64Cores(escaped));
  // What `bash -x` prints for a value holding `'`: each quote closed, escaped and reopened (dash prints it raw).
  if (value.includes("'")) forms.push(value.replaceAll("'", "'\\''"));
  return forms;
}

/** The longest value that gets the forms of a URL and a JWT (past encodeURIComponent's and URLSearchParams'). */
const SHORT_MAX = 512;

/** The distinct JSON string bodies of `value` written by JavaScript, .NET, Python and Go. */
function jsonForms(value: string): string[] {
  const forms = new Set([
    // JSON.stringify; also Python's ensure_ascii=False.
    JSON.stringify(value).slice(1, -1),
    dotnetJsonEscape(value),
    // The same in lower-case hex, as other encoders of that set write it.
    jsonEscape(value, '\\u0022', DOTNET_ESCAPED, false),
    // Python's json.dumps (ensure_ascii): DEL and everything outside ASCII as \uxxxx.
    jsonEscape(value, '\\"', /["\\\x00-\x1f\x7f-\uffff]/g, false),
    jsonEscape(value, '\\"', GO_ESCAPED, false),
  ]);
  // Go before 1.22 wrote \b and \f as \u0008 and \u000c, with or without its HTML escaping (SetEscapeHTML).
  if (/[\b\f]/.test(value)) {
    forms.add(jsonEscape(value, '\\"', GO_ESCAPED, false, false)).add(jsonEscape(value, '\\"', /["\\\x00-\x1f\u2028\u2029]/g, false, false));
  }
  return [...forms];
}

/**
 * What .NET's System.Text.Json writes by default (JavaScriptEncoder.Default): `"` `\` and controls escaped,
 * plus the HTML-sensitive `+ < > & ' \`` and everything outside printable ASCII as \uXXXX (upper-case hex).
 */
export function dotnetJsonEscape(value: string): string {
  return jsonEscape(value, '\\u0022', DOTNET_ESCAPED, true);
}

const DOTNET_ESCAPED = /["\\\x00-\x1f+<>&'`\x7f-\uffff]/g;

/** What Go's encoding/json escapes (HTML-safe by default): also `< > &` and U+2028/U+2029, as \uxxxx. */
const GO_ESCAPED = /["\\\x00-\x1f<>&\u2028\u2029]/g;

/**
 * A JSON string body: `\\`, short escapes for controls (`\b` and `\f` only if `shortBF`), `quote` for `"`, and
 * \uXXXX for the other UTF-16 units that `escaped` matches (`"`, `\\`, controls and whichever more this encoder escapes).
 */
function jsonEscape(value: string, quote: string, escaped: RegExp, upper: boolean, shortBF = true): string {
  return value.replace(escaped, (unit) => {
    const short = SHORT_ESCAPES[unit];
    if (short !== undefined && (shortBF || (unit !== '\b' && unit !== '\f'))) return short;
    if (unit === '"') return quote;
    const hex = unit.charCodeAt(0).toString(16).padStart(4, '0');
    return '\\u' + (upper ? hex.toUpperCase() : hex);
  });
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

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

/** Zeroes the buffer base64Cores keeps between calls. Tidiness, not protection (the needles hold the same bytes). */
export function wipeScratch(): void {
  scratch.fill(0);
}
