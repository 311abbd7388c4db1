// Our own messages: one line each on stderr, prefixed, as text or JSON lines, silenced by --quiet.
export type LogFormat = 'text' | 'json';
export type Level = 'notice' | 'warn' | 'error';

/** Where our own messages go; every module that speaks gets one injected and never writes to stderr itself. */
export interface Logger {
  notice(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  format?: LogFormat;
  /** Drop notices; warnings and errors still go out. */
  quiet?: boolean;
}

/** Where a logger writes its lines: a stream, or anything else with `write`. */
export interface LineSink {
  write(text: string): unknown;
}

const PREFIX = 'sinch-entrypoint';

/** A logger writing to `out`; in `run`, the stderr redactor's `writeMessage` (masked, never inside a held secret). */
export function createLogger(out: LineSink, options: LoggerOptions = {}): Logger {
  const write = (level: Level, message: string, fields?: Record<string, unknown>): void => {
    if (level === 'notice' && options.quiet) return;
    if (options.format === 'json') {
      out.write(JSON.stringify({ time: new Date().toISOString(), level, source: PREFIX, msg: message, ...fields }) + '\n');
    } else {
      const tag = level === 'notice' ? '' : `${level}: `;
      out.write(`${PREFIX}: ${tag}${message}\n`);
    }
  };
  return {
    notice: (m, f) => write('notice', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
