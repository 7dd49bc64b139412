import { describe, expect, it } from 'vitest';
import { createLogger, createMemoryLogger, traceIdFromHeader } from '../../../shared/logging/logger.js';

describe('structured logger (Cloud Logging JSON)', () => {
  it('writes one JSON line per event with severity, message and time at the top level', () => {
    const lines: string[] = [];
    const log = createLogger({ sink: (l) => lines.push(l) });
    log.info('customer created', { customerId: 'c1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ severity: 'INFO', message: 'customer created', customerId: 'c1' });
    expect(new Date(entry.time).toString()).not.toBe('Invalid Date');
  });

  it('drops events below the configured level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'WARNING', sink: (l) => lines.push(l) });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.critical('c');
    expect(lines.map((l) => JSON.parse(l).severity)).toEqual(['WARNING', 'CRITICAL']);
  });

  it('never lets a field overwrite severity, message or time', () => {
    const { logger, lines } = createMemoryLogger();
    logger.error('the real message', { message: 'a field', severity: 'DEBUG', time: 'then' });
    expect(lines[0]).toMatchObject({ severity: 'ERROR', message: 'the real message' });
    expect(lines[0]!.time).not.toBe('then');
  });

  it('redacts secret-looking keys whatever the caller passes', () => {
    const { logger, lines } = createMemoryLogger();
    logger.warn('auth failed', { authorization: 'Bearer abc', token: 'abc', client_secret: 'x', reason: 'EXPIRED' });
    expect(JSON.stringify(lines[0])).not.toContain('abc');
    expect(lines[0]).toMatchObject({ authorization: '[redacted]', token: '[redacted]', client_secret: '[redacted]', reason: 'EXPIRED' });
  });

  it('redacts secret-looking keys at any depth, inside arrays and errors too', () => {
    const { logger, lines } = createMemoryLogger();
    logger.error('call failed', {
      request: { headers: { Authorization: 'Bearer abc' }, attempts: [{ access_token: 'abc' }] },
      err: Object.assign(new Error('x'), { password: 'abc' }),
    });
    expect(JSON.stringify(lines[0])).not.toContain('abc');
    expect(lines[0]).toMatchObject({ request: { headers: { Authorization: '[redacted]' }, attempts: [{ access_token: '[redacted]' }] } });
  });

  it("keeps an error's cause chain and PostgreSQL's code, constraint and detail", () => {
    const { logger, lines } = createMemoryLogger();
    const pgError = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      constraint: 'customers_ban_key',
      detail: 'Key (ban)=(DM-1) already exists.',
      table: 'customers',
      length: 120,
    });
    logger.error('create failed', {
      err: new Error('could not create the customer', { cause: new AggregateError([pgError], 'retries exhausted') }),
    });
    expect(lines[0]!.err).toMatchObject({
      message: 'could not create the customer',
      cause: {
        name: 'AggregateError',
        message: 'retries exhausted',
        errors: [{ code: '23505', constraint: 'customers_ban_key', detail: 'Key (ban)=(DM-1) already exists.', table: 'customers' }],
      },
    });
    expect((lines[0]!.err as { cause: { errors: Array<Record<string, unknown>> } }).cause.errors[0]).not.toHaveProperty('length');
  });

  it("puts the trace under Cloud Logging's key, qualified by the project when known", () => {
    const lines: string[] = [];
    createLogger({ projectId: 'warp-prod', sink: (l) => lines.push(l) }).info('x', { trace: 'abc123' });
    createLogger({ sink: (l) => lines.push(l) }).info('y', { trace: 'abc123' });
    expect(JSON.parse(lines[0]!)['logging.googleapis.com/trace']).toBe('projects/warp-prod/traces/abc123');
    expect(JSON.parse(lines[1]!)['logging.googleapis.com/trace']).toBe('abc123');
  });

  it('child loggers carry their bindings; errors and bigints serialise', () => {
    const { logger, lines } = createMemoryLogger();
    logger.child({ component: 'field-sync' }).error('boom', { err: new Error('bad'), big: 10n ** 20n });
    expect(lines[0]).toMatchObject({ component: 'field-sync', err: { name: 'Error', message: 'bad' }, big: '100000000000000000000' });
  });

  it('reads the trace id from X-Cloud-Trace-Context and ignores junk', () => {
    expect(traceIdFromHeader('105445aa7843bc8bf206b12000100000/1;o=1')).toBe('105445aa7843bc8bf206b12000100000');
    expect(traceIdFromHeader(['abc/2'])).toBe('abc');
    expect(traceIdFromHeader(undefined)).toBeUndefined();
    expect(traceIdFromHeader('not a trace!/1')).toBeUndefined();
  });
});
