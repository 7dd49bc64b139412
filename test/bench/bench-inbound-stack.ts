import { createDb } from '../../shared/db/database.js';
import { startInboundStack, type InboundStackOptions } from '../integration/inbound-sync/inbound-stack.js';
import { benchDatabase, benchEmulator, type Stops } from './bench-support.js';

/**
 * The inbound stack (sandbox, intake over HTTP, emulator, inbound processor, outbound worker) on a
 * bench's own database and emulator, quiet, with HubSpot's webhook batching at 20 ms; all stopped with `stops`.
 */
export async function benchInboundStack(
  stops: Stops,
  label: string,
  options: { maxConnections: number } & Omit<InboundStackOptions, 'db' | 'emulatorHost'>,
) {
  const { maxConnections, ...stackOptions } = options;
  const databaseUrl = await benchDatabase(stops, label);
  const emulatorHost = await benchEmulator(stops);
  const db = createDb({ connectionString: databaseUrl, maxConnections });
  stops.push(() => db.destroy());
  const stack = await startInboundStack({ log: false, webhookBatchDelayMs: 20, ...stackOptions, db, emulatorHost });
  stops.push(() => stack.close());
  return { databaseUrl, db, stack };
}
