/**
 * The app's webhook settings (target URL, concurrency) and subscriptions, as
 * the webhooks v3 API manages them. A company.propertyChange subscription
 * without `propertyName` is a sandbox convenience meaning "every property".
 */
import { notFound, validationError } from './hubspot-error.js';

export const COMPANY_EVENT_TYPES = [
  'company.creation',
  'company.deletion',
  'company.propertyChange',
  'company.associationChange',
  'company.restore',
  'company.merge',
] as const;

export interface Subscription {
  id: number;
  eventType: string;
  propertyName?: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookSettings {
  targetUrl?: string;
  maxConcurrentRequests: number;
  createdAt: string;
  updatedAt: string;
}

export interface SubscriptionsSnapshot {
  subscriptions: Subscription[];
  nextId: number;
  settings: WebhookSettings;
}

export interface SubscriptionSpec {
  eventType: string;
  propertyName?: string;
  active?: boolean;
}

export class WebhookSubscriptions {
  private subscriptions: Subscription[] = [];
  private nextId = 1001;
  settings: WebhookSettings;

  constructor(
    private readonly now: () => number,
    private readonly defaults: { targetUrl?: string; maxConcurrentRequests: number; subscriptions?: readonly SubscriptionSpec[] },
  ) {
    this.settings = this.initialSettings();
    this.reset();
  }

  reset(): void {
    this.settings = this.initialSettings();
    this.subscriptions = [];
    this.nextId = 1001;
    const specs = this.defaults.subscriptions ?? COMPANY_EVENT_TYPES.map((eventType) => ({ eventType, active: true }));
    for (const spec of specs) this.create({ active: true, ...spec });
  }

  snapshot(): SubscriptionsSnapshot {
    return { subscriptions: this.subscriptions, nextId: this.nextId, settings: this.settings };
  }

  load(snapshot: SubscriptionsSnapshot): void {
    ({ subscriptions: this.subscriptions, nextId: this.nextId, settings: this.settings } = snapshot);
  }

  list(): Subscription[] {
    return this.subscriptions;
  }

  get(id: number): Subscription {
    const found = this.subscriptions.find((s) => s.id === id);
    if (!found) throw notFound(`Subscription ${id} not found`);
    return found;
  }

  create(spec: SubscriptionSpec): Subscription {
    if (!(COMPANY_EVENT_TYPES as readonly string[]).includes(spec.eventType)) {
      throw validationError(`The sandbox serves company event types only (${COMPANY_EVENT_TYPES.join(', ')}); got ${spec.eventType}.`);
    }
    const iso = new Date(this.now()).toISOString();
    const subscription: Subscription = {
      id: this.nextId++,
      eventType: spec.eventType,
      active: spec.active ?? false,
      createdAt: iso,
      updatedAt: iso,
      ...(spec.propertyName ? { propertyName: spec.propertyName } : {}),
    };
    this.subscriptions.push(subscription);
    return subscription;
  }

  setActive(id: number, active: boolean): Subscription {
    const subscription = this.get(id);
    subscription.active = active;
    subscription.updatedAt = new Date(this.now()).toISOString();
    return subscription;
  }

  remove(id: number): void {
    this.get(id);
    this.subscriptions = this.subscriptions.filter((s) => s.id !== id);
  }

  /** The active subscription an event is delivered under, if any. */
  match(eventType: string, propertyName?: string): Subscription | undefined {
    return this.subscriptions.find(
      (s) => s.active && s.eventType === eventType && (s.propertyName === undefined || s.propertyName === propertyName),
    );
  }

  configure(targetUrl: string | undefined, maxConcurrentRequests: number): WebhookSettings {
    this.settings = { ...this.settings, targetUrl, maxConcurrentRequests, updatedAt: new Date(this.now()).toISOString() };
    return this.settings;
  }

  private initialSettings(): WebhookSettings {
    const iso = new Date(this.now()).toISOString();
    return {
      targetUrl: this.defaults.targetUrl,
      maxConcurrentRequests: this.defaults.maxConcurrentRequests,
      createdAt: iso,
      updatedAt: iso,
    };
  }
}
