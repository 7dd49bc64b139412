import type { PubSub, protos } from '@google-cloud/pubsub';
import { z } from 'zod';
import { publishInOneRequest } from './batch-publisher.js';

type PullResponse = protos.google.pubsub.v1.IPullResponse;
type ReceivedMessage = protos.google.pubsub.v1.IReceivedMessage;

/** Every dead-letter topic `<topic>-dead-letter` has a pull subscription `<topic>-dead-letter-inspect`. */
const INSPECT_SUFFIX = '-dead-letter-inspect';
/** Attributes Pub/Sub adds when it dead-letters a message; the replay sends the original ones. */
const DEAD_LETTER_ATTRIBUTE_PREFIX = 'CloudPubSubDeadLetter';
/** Messages per pull (and per republish request: all or nothing). */
const PULL_BATCH = 100;
export const MAX_REPLAY = 1000;

export const deadLetterSubscriptionSchema = z
  .string()
  .regex(/^[A-Za-z][\w.~+%-]{2,254}$/, 'must be a Pub/Sub subscription name')
  .refine(
    (name) => name.endsWith(INSPECT_SUFFIX) && name.length > INSPECT_SUFFIX.length,
    `must be a dead-letter inspection subscription (<topic>${INSPECT_SUFFIX})`,
  );

export const replayMaxSchema = z.number().int().min(1).max(MAX_REPLAY);

/** The topic whose messages were dead-lettered into `subscription`'s topic. */
export function sourceTopicOf(subscription: string): string {
  return subscription.slice(0, -INSPECT_SUFFIX.length);
}

export const deadLetterViewSchema = z.object({
  messageId: z.string(),
  orderingKey: z.string().nullable(),
  attributes: z.record(z.string(), z.string()),
  /** The message's JSON, or its text when it is not JSON. */
  data: z.unknown(),
  publishTime: z.string().nullable(),
});
export type DeadLetterView = z.output<typeof deadLetterViewSchema>;

export const replayResultSchema = z.object({
  subscription: z.string(),
  topic: z.string(),
  replayed: z.number().int(),
  /** The messages' new ids on the source topic. */
  messageIds: z.array(z.string()),
});
export type ReplayResult = z.output<typeof replayResultSchema>;

/** A replay stopped by a failed publish; `partial` is what had been moved (and acked) before. */
export class ReplayError extends Error {
  constructor(
    readonly partial: ReplayResult,
    options: { cause: unknown },
  ) {
    super(`replay stopped after ${partial.replayed} messages: ${(options.cause as Error).message}`, options);
    this.name = 'ReplayError';
  }
}

/**
 * Looks at up to `max` dead letters without consuming them: each is handed back at once
 * (ack deadline 0), so it stays for a replay.
 */
export async function listDeadLetters(pubsub: PubSub, subscription: string, max: number): Promise<DeadLetterView[]> {
  const seen: DeadLetterView[] = [];
  const held: string[] = [];
  try {
    while (seen.length < max) {
      const batch = await pull(pubsub, subscription, Math.min(PULL_BATCH, max - seen.length));
      if (batch.length === 0) break;
      held.push(...batch.map((m) => m.ackId!));
      seen.push(...batch.map(view));
    }
  } finally {
    await release(pubsub, subscription, held);
  }
  return seen;
}

/**
 * Moves up to `max` dead letters back to their source topic: each batch is republished in one
 * request, with the original ordering keys and attributes, and acked only after Pub/Sub has
 * accepted it. A failed publish hands the batch back (nothing of it acked) and throws a
 * ReplayError; what was replayed before stays replayed. Replays are safe: every consumer is idempotent.
 */
export async function replayDeadLetters(pubsub: PubSub, subscription: string, max: number): Promise<ReplayResult> {
  const topic = sourceTopicOf(subscription);
  const result: ReplayResult = { subscription, topic, replayed: 0, messageIds: [] };
  while (result.replayed < max) {
    const batch = await pull(pubsub, subscription, Math.min(PULL_BATCH, max - result.replayed));
    if (batch.length === 0) break;
    const ackIds = batch.map((m) => m.ackId!);
    let ids: string[];
    try {
      ids = await publishInOneRequest(
        pubsub.topic(topic),
        batch.map((m) => ({ message: parseData(m), orderingKey: m.message?.orderingKey ?? '', attributes: originalAttributes(m) })),
      );
    } catch (err) {
      await release(pubsub, subscription, ackIds);
      throw new ReplayError(result, { cause: err });
    }
    await request(pubsub, 'acknowledge', { subscription: pubsub.subscription(subscription).name, ackIds });
    result.replayed += batch.length;
    result.messageIds.push(...ids);
  }
  return result;
}

async function pull(pubsub: PubSub, subscription: string, maxMessages: number): Promise<ReceivedMessage[]> {
  // returnImmediately: an empty subscription answers at once instead of holding the caller.
  const response = await request<PullResponse>(pubsub, 'pull', {
    subscription: pubsub.subscription(subscription).name,
    maxMessages,
    returnImmediately: true,
  });
  return response?.receivedMessages ?? [];
}

async function release(pubsub: PubSub, subscription: string, ackIds: readonly string[]): Promise<void> {
  if (ackIds.length === 0) return;
  await request(pubsub, 'modifyAckDeadline', {
    subscription: pubsub.subscription(subscription).name,
    ackIds: [...ackIds],
    ackDeadlineSeconds: 0,
  });
}

function request<T = unknown>(
  pubsub: PubSub,
  method: 'pull' | 'acknowledge' | 'modifyAckDeadline',
  reqOpts: Record<string, unknown>,
): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    pubsub.request<T>({ client: 'SubscriberClient', method, reqOpts }, (err, res) => (err ? reject(err) : resolve(res ?? undefined)));
  });
}

function text(m: ReceivedMessage): string {
  return Buffer.from(m.message?.data ?? '').toString('utf8');
}

/** Every message WARP Sync publishes is JSON; one that is not could not be republished as it was. */
function parseData(m: ReceivedMessage): unknown {
  try {
    return JSON.parse(text(m));
  } catch {
    throw new Error(`dead letter ${m.message?.messageId} is not JSON; look at it with list and remove it by hand`);
  }
}

function originalAttributes(m: ReceivedMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(m.message?.attributes ?? {}).filter(([name]) => !name.startsWith(DEAD_LETTER_ATTRIBUTE_PREFIX)));
}

function view(m: ReceivedMessage): DeadLetterView {
  let data: unknown = text(m);
  try {
    data = JSON.parse(data as string);
  } catch {
    // shown as text
  }
  const seconds = m.message?.publishTime?.seconds;
  return {
    messageId: m.message?.messageId ?? '',
    orderingKey: m.message?.orderingKey || null,
    attributes: { ...(m.message?.attributes ?? {}) },
    data,
    publishTime: seconds == null ? null : new Date(Number(seconds) * 1000).toISOString(),
  };
}
