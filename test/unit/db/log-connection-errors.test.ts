import { expect, it } from 'vitest';
import { expectOwnServerShutdown, logConnectionErrors } from '../../../shared/db/log-connection-errors.js';

const lost = (code: string) => Object.assign(new Error(`connection error ${code}`), { code });

it('a lost connection is a WARNING; once the process runs its own server, that server stopping (57P01) is INFO, nothing else', () => {
  const lines: Array<[string, string, unknown]> = [];
  const log = {
    warn: (message: string, fields?: unknown) => void lines.push(['WARNING', message, fields]),
    info: (message: string, fields?: unknown) => void lines.push(['INFO', message, fields]),
  };
  const onError = logConnectionErrors(log);
  onError(lost('57P01'));
  expectOwnServerShutdown();
  onError(lost('57P01'));
  onError(lost('57P02'));
  onError(lost('ECONNRESET'));
  expect(lines.map(([severity, , fields]) => [severity, (fields as { code: string }).code])).toEqual([
    ['WARNING', '57P01'],
    ['INFO', '57P01'],
    ['WARNING', '57P02'],
    ['WARNING', 'ECONNRESET'],
  ]);
});
