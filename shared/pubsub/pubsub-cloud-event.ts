import { z } from 'zod';

/** The CloudEvent data Eventarc delivers for a Pub/Sub message (`messagePublished`). */
const messagePublishedSchema = z.object({
  message: z.object({
    data: z.string().optional(),
    messageId: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
  }),
  subscription: z.string().optional(),
});

export type DecodedMessage<T> = { ok: true; value: T; messageId?: string } | { ok: false; reason: string };

/** Decodes `data.message.data` (base64 JSON) and validates it; a bad message is a result, not a throw. */
export function decodePubSubEvent<S extends z.ZodType>(data: unknown, schema: S): DecodedMessage<z.output<S>> {
  const envelope = messagePublishedSchema.safeParse(data);
  if (!envelope.success) return { ok: false, reason: 'not a Pub/Sub messagePublished event' };
  const { data: encoded, messageId } = envelope.data.message;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded ?? '', 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'message data is not base64 JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `invalid message: ${z.prettifyError(parsed.error)}` };
  return { ok: true, value: parsed.data, messageId };
}
