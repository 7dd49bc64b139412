/** Company changes as HubSpot's webhook event objects (one JSON array element each). */
import type { CompanyEvent } from './company-types.js';
import type { WebhookSubscriptions } from './webhook-subscriptions.js';

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeSource: string;
  sourceId: string;
  changeFlag: string;
  propertyName?: string;
  propertyValue?: string;
  primaryObjectId?: number;
  mergedObjectIds?: number[];
  newObjectId?: number;
  numberOfPropertiesMoved?: number;
}

const CHANGE_FLAGS: Record<CompanyEvent['kind'], string> = {
  creation: 'CREATED',
  deletion: 'DELETED',
  restore: 'RESTORED',
  merge: 'MERGED',
  propertyChange: 'UPDATED',
};

export class WebhookEventFactory {
  private nextEventId = 100;

  constructor(
    private readonly subscriptions: WebhookSubscriptions,
    private readonly ids: { portalId: number; appId: number },
  ) {}

  reset(): void {
    this.nextEventId = 100;
  }

  /** The event for a change, or undefined when no active subscription covers it. */
  build(change: CompanyEvent): WebhookEvent | undefined {
    const subscriptionType = `company.${change.kind}`;
    const propertyName = change.kind === 'propertyChange' ? change.propertyName : undefined;
    const subscription = this.subscriptions.match(subscriptionType, propertyName);
    if (!subscription) return undefined;
    const event: WebhookEvent = {
      eventId: this.nextEventId++,
      subscriptionId: subscription.id,
      portalId: this.ids.portalId,
      appId: this.ids.appId,
      occurredAt: change.occurredAt,
      subscriptionType,
      attemptNumber: 0,
      objectId: Number(change.objectId),
      changeSource: change.actor.changeSource,
      sourceId: change.actor.sourceId,
      changeFlag: CHANGE_FLAGS[change.kind],
    };
    if (change.kind === 'propertyChange') {
      event.propertyName = change.propertyName;
      event.propertyValue = change.propertyValue;
    }
    if (change.kind === 'merge') {
      event.primaryObjectId = Number(change.primaryObjectId);
      event.mergedObjectIds = change.mergedObjectIds.map(Number);
      event.newObjectId = Number(change.newObjectId);
      event.numberOfPropertiesMoved = change.numberOfPropertiesMoved;
    }
    return event;
  }
}
