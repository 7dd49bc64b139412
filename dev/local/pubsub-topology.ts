import type { PubSub } from '@google-cloud/pubsub';
import { DEFAULT_OUTBOX_TOPIC } from '../../shared/outbox/outbox-message.js';
import { DEFAULT_RECONCILE_TOPIC } from '../../shared/reconciliation/reconcile-request.js';

/**
 * The Pub/Sub topics and subscriptions WARP Sync runs on, created idempotently in the emulator
 * (local stack, tests). Production creates the same shape with Terraform/gcloud; Eventarc push
 * subscriptions there, pull subscriptions here (the pull bridge delivers them as CloudEvents).
 */
export interface PubSubTopologyNames {
  outboxTopic: string;
  outboxSubscription: string;
  outboxDeadLetterTopic: string;
  webhookTopic: string;
  webhookSubscription: string;
  webhookDeadLetterTopic: string;
  relayTickTopic: string;
  relaySubscription: string;
  reconcileTopic: string;
  reconcileSubscription: string;
  reconcileDeadLetterTopic: string;
}

/** Names for a stack; `suffix` keeps parallel test suites on one emulator apart. */
export function topologyNames(options: { outboxTopic?: string; suffix?: string } = {}): PubSubTopologyNames {
  const s = options.suffix ? `-${options.suffix}` : '';
  const outboxTopic = (options.outboxTopic ?? DEFAULT_OUTBOX_TOPIC) + s;
  return {
    outboxTopic,
    outboxSubscription: `field-sync${s}`,
    outboxDeadLetterTopic: `${outboxTopic}-dead-letter`,
    webhookTopic: `hubspot-webhook-events${s}`,
    webhookSubscription: `hubspot-webhook-processor${s}`,
    webhookDeadLetterTopic: `hubspot-webhook-events${s}-dead-letter`,
    relayTickTopic: `outbox-relay-tick${s}`,
    relaySubscription: `outbox-relay${s}`,
    reconcileTopic: `${DEFAULT_RECONCILE_TOPIC}${s}`,
    reconcileSubscription: `reconcile${s}`,
    reconcileDeadLetterTopic: `${DEFAULT_RECONCILE_TOPIC}${s}-dead-letter`,
  };
}

export interface DeliveryPolicy {
  /** After this many failed deliveries a message goes to the dead-letter topic (5..100). */
  maxDeliveryAttempts: number;
  minBackoffSeconds: number;
  maxBackoffSeconds: number;
  ackDeadlineSeconds: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  maxDeliveryAttempts: 10,
  minBackoffSeconds: 1,
  maxBackoffSeconds: 60,
  ackDeadlineSeconds: 60,
};

async function ensureTopic(pubsub: PubSub, name: string): Promise<void> {
  const topic = pubsub.topic(name);
  const [exists] = await topic.exists();
  if (!exists) await topic.create().catch(ignoreAlreadyExists);
}

async function ensureSubscription(
  pubsub: PubSub,
  topic: string,
  name: string,
  policy: DeliveryPolicy,
  deadLetterTopic?: string,
): Promise<void> {
  const subscription = pubsub.subscription(name);
  const [exists] = await subscription.exists();
  if (exists) return;
  await pubsub
    .topic(topic)
    .createSubscription(name, {
      enableMessageOrdering: true,
      ackDeadlineSeconds: policy.ackDeadlineSeconds,
      retryPolicy: {
        minimumBackoff: { seconds: policy.minBackoffSeconds },
        maximumBackoff: { seconds: policy.maxBackoffSeconds },
      },
      ...(deadLetterTopic
        ? {
            deadLetterPolicy: {
              deadLetterTopic: pubsub.topic(deadLetterTopic).name,
              maxDeliveryAttempts: policy.maxDeliveryAttempts,
            },
          }
        : {}),
    })
    .catch(ignoreAlreadyExists);
}

function ignoreAlreadyExists(err: unknown): void {
  // gRPC ALREADY_EXISTS: another process created it between our check and create.
  if ((err as { code?: number }).code !== 6) throw err;
}

/** Creates every topic and subscription that is missing; existing ones are left as they are. */
export async function ensurePubSubTopology(
  pubsub: PubSub,
  names: PubSubTopologyNames = topologyNames(),
  policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
): Promise<PubSubTopologyNames> {
  for (const topic of [
    names.outboxTopic,
    names.outboxDeadLetterTopic,
    names.webhookTopic,
    names.webhookDeadLetterTopic,
    names.relayTickTopic,
    names.reconcileTopic,
    names.reconcileDeadLetterTopic,
  ]) {
    await ensureTopic(pubsub, topic);
  }
  await ensureSubscription(pubsub, names.outboxTopic, names.outboxSubscription, policy, names.outboxDeadLetterTopic);
  await ensureSubscription(pubsub, names.outboxDeadLetterTopic, `${names.outboxDeadLetterTopic}-inspect`, policy);
  await ensureSubscription(pubsub, names.webhookTopic, names.webhookSubscription, policy, names.webhookDeadLetterTopic);
  await ensureSubscription(pubsub, names.webhookDeadLetterTopic, `${names.webhookDeadLetterTopic}-inspect`, policy);
  await ensureSubscription(pubsub, names.relayTickTopic, names.relaySubscription, policy);
  await ensureSubscription(pubsub, names.reconcileTopic, names.reconcileSubscription, policy, names.reconcileDeadLetterTopic);
  await ensureSubscription(pubsub, names.reconcileDeadLetterTopic, `${names.reconcileDeadLetterTopic}-inspect`, policy);
  return names;
}
