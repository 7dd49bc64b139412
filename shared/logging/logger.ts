/**
 * Structured logs in Cloud Logging's JSON format: one line per event on stdout,
 * `severity` and `message` at the top level, the trace under the special key so
 * Cloud Logging links the line to its request trace.
 */
export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL' | 'ALERT';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  notice(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  critical(message: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

export type LogSink = (line: string) => void;

const TRACE_KEY = 'logging.googleapis.com/trace';
const SEVERITY_RANK: Record<Severity, number> = {
  DEBUG: 100,
  INFO: 200,
  NOTICE: 300,
  WARNING: 400,
  ERROR: 500,
  CRITICAL: 600,
  ALERT: 700,
};

/** Keys whose values must never reach a log line, whatever the caller passes. */
const REDACTED_KEYS = /^(authorization|token|access_?token|secret|password|client_?secret|jwt|signature)$/i;

export interface LoggerOptions {
  level?: Severity;
  sink?: LogSink;
  /** GCP project id, to turn a raw trace id into Cloud Logging's `projects/<id>/traces/<trace>` form. */
  projectId?: string;
  bindings?: LogFields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const minRank = SEVERITY_RANK[options.level ?? 'INFO'];
  const sink = options.sink ?? ((line: string) => process.stdout.write(line + '\n'));
  const bindings = options.bindings ?? {};

  const emit = (severity: Severity, message: string, fields?: LogFields) => {
    if (SEVERITY_RANK[severity] < minRank) return;
    const { trace, ...rest } = { ...bindings, ...fields };
    // The event's own keys win: a field may not overwrite severity, message or time.
    const entry: LogFields = { ...rest, severity, message, time: new Date().toISOString() };
    if (typeof trace === 'string' && trace) {
      entry[TRACE_KEY] = options.projectId ? `projects/${options.projectId}/traces/${trace}` : trace;
    }
    sink(JSON.stringify(entry, jsonReplacer));
  };

  return {
    debug: (m, f) => emit('DEBUG', m, f),
    info: (m, f) => emit('INFO', m, f),
    notice: (m, f) => emit('NOTICE', m, f),
    warn: (m, f) => emit('WARNING', m, f),
    error: (m, f) => emit('ERROR', m, f),
    critical: (m, f) => emit('CRITICAL', m, f),
    child: (more) => createLogger({ ...options, bindings: { ...bindings, ...more } }),
  };
}

/** What a PostgreSQL (pg) error says beyond its message: which rule, table and column refused it. */
const PG_ERROR_FIELDS = ['code', 'detail', 'constraint', 'table', 'column', 'routine'] as const;

/**
 * Applied at every depth by JSON.stringify: secret-looking keys are redacted wherever they are
 * nested, and errors keep their cause chain and pg's error fields (a bare message would hide
 * which constraint or connection failure it was).
 */
function jsonReplacer(key: string, value: unknown): unknown {
  if (key && value !== undefined && REDACTED_KEYS.test(key)) return '[redacted]';
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message, stack: value.stack };
    for (const field of PG_ERROR_FIELDS) {
      const v = (value as unknown as Record<string, unknown>)[field];
      if (typeof v === 'string' || typeof v === 'number') out[field] = v;
    }
    if (value.cause !== undefined) out.cause = value.cause;
    if (value instanceof AggregateError) out.errors = value.errors;
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Trace id from Cloud Run / Functions' `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1` header. */
export function traceIdFromHeader(header: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return undefined;
  const traceId = raw.split('/')[0]?.trim();
  return traceId && /^[0-9a-fA-F]{1,64}$/.test(traceId) ? traceId : undefined;
}

/** A logger that records lines, for tests that assert on what was (or was not) logged. */
export function createMemoryLogger(level: Severity = 'DEBUG'): { logger: Logger; lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = createLogger({ level, sink: (line) => lines.push(JSON.parse(line) as LogFields) });
  return { logger, lines };
}
