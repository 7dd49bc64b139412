import { describe, expect, it } from 'vitest';
import { isTimeZone, nextDailyReset } from '../../../shared/hubspot/client/daily-reset.js';

const reset = (now: string, zone: string) => new Date(nextDailyReset(Date.parse(now), zone)).toISOString();

describe('nextDailyReset', () => {
  it.each([
    ['2026-12-05T16:00:00.000Z', 'UTC', '2026-12-06T00:00:00.000Z'],
    ['2026-12-05T23:59:59.999Z', 'UTC', '2026-12-06T00:00:00.000Z'],
    ['2026-12-06T00:00:00.000Z', 'UTC', '2026-12-07T00:00:00.000Z'],
    ['2026-12-05T16:00:00.000Z', 'America/New_York', '2026-12-06T05:00:00.000Z'],
    ['2026-12-06T04:59:00.000Z', 'America/New_York', '2026-12-06T05:00:00.000Z'],
    ['2026-12-05T16:00:00.000Z', 'Asia/Kolkata', '2026-12-05T18:30:00.000Z'],
    ['2026-12-05T16:00:00.000Z', 'Asia/Kathmandu', '2026-12-05T18:15:00.000Z'],
    ['2026-12-05T16:00:00.000Z', 'Pacific/Kiritimati', '2026-12-06T10:00:00.000Z'],
    ['2026-12-05T16:00:00.000Z', 'Pacific/Pago_Pago', '2026-12-06T11:00:00.000Z'],
    // Spring forward at 02:00 and fall back at 02:00: midnight exists, the offset differs from now's.
    ['2026-03-07T12:00:00.000Z', 'America/New_York', '2026-03-08T05:00:00.000Z'],
    ['2026-03-08T12:00:00.000Z', 'America/New_York', '2026-03-09T04:00:00.000Z'],
    ['2026-10-31T12:00:00.000Z', 'America/New_York', '2026-11-01T04:00:00.000Z'],
    ['2026-11-01T12:00:00.000Z', 'America/New_York', '2026-11-02T05:00:00.000Z'],
    // Chile and Cuba spring forward at midnight: the day starts at 01:00.
    ['2026-09-05T12:00:00.000Z', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    ['2026-03-07T12:00:00.000Z', 'America/Havana', '2026-03-08T05:00:00.000Z'],
  ])('from %s in %s: %s', (now, zone, expected) => {
    expect(reset(now, zone)).toBe(expected);
  });

  it('is always later than now and within two days, in every zone Intl knows', () => {
    const now = Date.parse('2026-12-05T16:00:00.000Z');
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      const at = nextDailyReset(now, zone);
      expect(at, zone).toBeGreaterThan(now);
      expect(at - now, zone).toBeLessThanOrEqual(26 * 3_600_000);
    }
  });

  it('knows IANA zones and refuses anything else', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
