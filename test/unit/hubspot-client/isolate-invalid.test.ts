import { describe, expect, it } from 'vitest';
import { HubspotUnavailableError, HubspotValidationError, type HubspotErrorDetail } from '../../../shared/hubspot/client/errors.js';
import { sendIsolatingInvalid } from '../../../shared/hubspot/client/isolate-invalid.js';

type Outcome = { value: string; ok: boolean; message?: string };

/**
 * A fake batch endpoint like HubSpot's: any bad input (a value starting with
 * "bad") rejects the whole batch; `blame` controls whether the error says which.
 */
function endpoint(blame: 'traceId' | 'in' | 'none') {
  const sent: string[][] = [];
  const send = async (chunk: readonly string[]): Promise<Outcome[]> => {
    sent.push([...chunk]);
    const bad = chunk.map((v, i) => ({ v, i })).filter(({ v }) => v.startsWith('bad'));
    if (bad.length === 0) return chunk.map((value) => ({ value, ok: true }));
    const details: HubspotErrorDetail[] = bad.map(({ v, i }) => ({
      message: `${v} is not valid`,
      code: 'INVALID_OPTION',
      ...(blame === 'in' ? { in: `inputs[${i}].properties.warp_status` } : {}),
      ...(blame === 'traceId' ? { context: { objectWriteTraceId: [String(i)], propertyName: ['warp_status'] } } : {}),
    }));
    throw new HubspotValidationError('Property values were not valid', {
      status: 400,
      category: 'VALIDATION_ERROR',
      details: blame === 'none' ? [] : details,
    });
  };
  const invalid = (value: string, error: HubspotValidationError): Outcome => ({ value, ok: false, message: error.message });
  return { sent, send, invalid };
}

const values = (n: number, bad: number[]) => Array.from({ length: n }, (_, i) => (bad.includes(i) ? `bad${i}` : `ok${i}`));

describe('isolating invalid inputs of a rejected batch', () => {
  it.each(['traceId', 'in'] as const)('when HubSpot blames inputs (%s), fails those and resends the rest once', async (blame) => {
    const e = endpoint(blame);
    const input = values(10, [2, 7]);
    const out = await sendIsolatingInvalid(input, e.send, e.invalid);
    expect(out.map((o) => o.value)).toEqual(input);
    expect(out.filter((o) => !o.ok).map((o) => o.value)).toEqual(['bad2', 'bad7']);
    expect(out[2]?.message).toBe('bad2 is not valid');
    expect(e.sent).toHaveLength(2);
    expect(e.sent[1]).toEqual(input.filter((v) => v.startsWith('ok')));
  });

  it('bisects when the error does not say which input is wrong', async () => {
    const e = endpoint('none');
    const input = values(16, [5]);
    const out = await sendIsolatingInvalid(input, e.send, e.invalid);
    expect(out.map((o) => o.value)).toEqual(input);
    expect(out.filter((o) => !o.ok).map((o) => o.value)).toEqual(['bad5']);
    // 1 + 2 per level below the top (log2 16 = 4 levels)
    expect(e.sent.length).toBeLessThanOrEqual(1 + 2 * 4);
    expect(e.sent.flat().filter((v) => v === 'ok0')).toHaveLength(3);
  });

  it('sends a clean batch once', async () => {
    const e = endpoint('none');
    const out = await sendIsolatingInvalid(values(5, []), e.send, e.invalid);
    expect(out.every((o) => o.ok)).toBe(true);
    expect(e.sent).toHaveLength(1);
  });

  it('lets other failures through', async () => {
    const failing = async (): Promise<Outcome[]> => {
      throw new HubspotUnavailableError('down', 5);
    };
    await expect(sendIsolatingInvalid(['a', 'b'], failing, () => ({ value: '', ok: false }))).rejects.toBeInstanceOf(
      HubspotUnavailableError,
    );
  });
});
