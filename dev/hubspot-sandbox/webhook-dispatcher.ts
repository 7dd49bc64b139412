/**
 * Delivers webhook events the way HubSpot does: batches of fewer than 100
 * events POSTed to the target URL with signatures, at most N requests in
 * flight, and any non-2xx, connection failure or timeout retried on a
 * schedule up to 10 attempts. Every attempt is recorded for tests.
 */
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  SIGNATURE_HEADER,
  SIGNATURE_VERSION_HEADER,
  signatureV3Headers,
  signV1,
  signV2,
  type SignatureVersion,
} from '../../shared/hubspot/webhook-signature.js';
import type { Faults } from './faults.js';
import type { WebhookEvent } from './webhook-events.js';
import type { WebhookSubscriptions } from './webhook-subscriptions.js';

export interface DeliveryOptions {
  clientSecret: string;
  signatureVersions: readonly SignatureVersion[];
  /** Wait before attempt n+1 after attempt n failed (index 0 = before the first retry). */
  retryScheduleMs: readonly number[];
  maxAttempts: number;
  timeoutMs: number;
  /** How long changes gather before they leave as one request. */
  batchDelayMs: number;
  maxEventsPerRequest: number;
  /** A batch held back by a `reorder` fault goes out after the next one, or after this long. */
  reorderHoldMs: number;
}

export interface DeliveryAttempt {
  deliveryId: number;
  attemptNumber: number;
  eventIds: number[];
  startedAt: number;
  durationMs: number;
  outcome: 'delivered' | 'failed' | 'dropped';
  status?: number;
  error?: string;
}

interface Delivery {
  id: number;
  events: WebhookEvent[];
  attempt: number;
}

export class WebhookDispatcher {
  private pending: WebhookEvent[] = [];
  private ready: Delivery[] = [];
  private held: Delivery[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private flushTimer: NodeJS.Timeout | undefined;
  private inFlight = new Set<AbortController>();
  private waiters: Array<() => void> = [];
  private attempts: DeliveryAttempt[] = [];
  private nextDeliveryId = 1;
  private maxObservedConcurrency = 0;
  private closed = false;

  constructor(
    private readonly options: DeliveryOptions,
    private readonly subscriptions: WebhookSubscriptions,
    private readonly faults: Faults,
    private readonly now: () => number,
  ) {}

  enqueue(event: WebhookEvent): void {
    if (this.closed || !this.subscriptions.settings.targetUrl) return;
    this.pending.push(event);
    this.flushTimer ??= this.later(this.options.batchDelayMs, () => {
      this.flushTimer = undefined;
      this.flush();
    });
  }

  log(): readonly DeliveryAttempt[] {
    return this.attempts;
  }

  stats() {
    return {
      maxObservedConcurrency: this.maxObservedConcurrency,
      inFlight: this.inFlight.size,
      queued: this.ready.length + this.pending.length,
    };
  }

  /** Resolves once nothing is pending, queued, held, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Forgets queued work and history (a sandbox reset); requests in flight are aborted. */
  reset(): void {
    this.stopEverything();
    this.attempts = [];
    this.maxObservedConcurrency = 0;
    this.notifyIfIdle();
  }

  close(): void {
    this.closed = true;
    this.stopEverything();
    this.notifyIfIdle();
  }

  private stopEverything(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.flushTimer = undefined;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
    this.pending = [];
    this.ready = [];
    this.held = [];
  }

  private flush(): void {
    const events = this.pending.splice(0);
    for (let i = 0; i < events.length; i += this.options.maxEventsPerRequest) {
      const delivery: Delivery = { id: this.nextDeliveryId++, events: events.slice(i, i + this.options.maxEventsPerRequest), attempt: 0 };
      if (this.faults.forWebhookBatch('drop')) {
        this.record(delivery, this.now(), { outcome: 'dropped' });
        continue;
      }
      const copies = this.faults.forWebhookBatch('duplicate') ? [delivery, { ...delivery, id: this.nextDeliveryId++ }] : [delivery];
      if (this.faults.forWebhookBatch('reorder')) {
        this.held.push(...copies.map((d) => ({ ...d, events: [...d.events].reverse() })));
        this.later(this.options.reorderHoldMs, () => this.releaseHeld());
        continue;
      }
      this.ready.push(...copies);
      this.releaseHeld();
    }
    this.pump();
    this.notifyIfIdle();
  }

  private releaseHeld(): void {
    this.ready.push(...this.held.splice(0));
    this.pump();
  }

  private pump(): void {
    const limit = Math.max(1, this.subscriptions.settings.maxConcurrentRequests);
    while (!this.closed && this.inFlight.size < limit) {
      const delivery = this.ready.shift();
      if (!delivery) break;
      void this.send(delivery);
    }
  }

  private async send(delivery: Delivery): Promise<void> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    this.maxObservedConcurrency = Math.max(this.maxObservedConcurrency, this.inFlight.size);
    const startedAt = this.now();
    const result = await this.post(delivery, controller);
    if (!this.inFlight.delete(controller)) return; // reset or closed meanwhile
    const delivered = result.status !== undefined && result.status >= 200 && result.status < 300;
    this.record(delivery, startedAt, { outcome: delivered ? 'delivered' : 'failed', ...result });
    if (!delivered && delivery.attempt + 1 < this.options.maxAttempts) {
      const wait = this.options.retryScheduleMs[delivery.attempt] ?? this.options.retryScheduleMs.at(-1) ?? 0;
      const retry = { ...delivery, attempt: delivery.attempt + 1 };
      this.later(wait, () => {
        this.ready.push(retry);
        this.pump();
      });
    }
    this.pump();
    this.notifyIfIdle();
  }

  private post(delivery: Delivery, controller: AbortController): Promise<{ status?: number; error?: string }> {
    const url = this.subscriptions.settings.targetUrl ?? '';
    const body = JSON.stringify(delivery.events.map((e) => ({ ...e, attemptNumber: delivery.attempt })));
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...this.signatureHeaders(url, body),
    };
    return new Promise((resolve) => {
      const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs);
      const done = (outcome: { status?: number; error?: string }) => {
        clearTimeout(timeout);
        resolve(outcome);
      };
      const send = url.startsWith('https:') ? httpsRequest : request;
      const req = send(url, { method: 'POST', headers, signal: controller.signal }, (res) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode }));
        res.on('error', (err) => done({ error: err.message }));
      });
      req.on('error', (err) => done({ error: controller.signal.aborted ? `timeout after ${this.options.timeoutMs} ms` : err.message }));
      req.end(body);
    });
  }

  private signatureHeaders(url: string, body: string): Record<string, string> {
    const { clientSecret, signatureVersions } = this.options;
    const headers: Record<string, string> = signatureVersions.includes('v3')
      ? signatureV3Headers(clientSecret, 'POST', url, body, Date.now())
      : {};
    if (signatureVersions.includes('v2')) {
      headers[SIGNATURE_HEADER] = signV2(clientSecret, 'POST', url, body);
      headers[SIGNATURE_VERSION_HEADER] = 'v2';
    } else if (signatureVersions.includes('v1')) {
      headers[SIGNATURE_HEADER] = signV1(clientSecret, body);
      headers[SIGNATURE_VERSION_HEADER] = 'v1';
    }
    return headers;
  }

  private record(delivery: Delivery, startedAt: number, result: Pick<DeliveryAttempt, 'outcome' | 'status' | 'error'>): void {
    this.attempts.push({
      deliveryId: delivery.id,
      attemptNumber: delivery.attempt,
      eventIds: delivery.events.map((e) => e.eventId),
      startedAt,
      durationMs: this.now() - startedAt,
      ...result,
    });
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
      this.notifyIfIdle();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private isIdle(): boolean {
    return (
      this.pending.length === 0 && this.ready.length === 0 && this.held.length === 0 && this.inFlight.size === 0 && this.timers.size === 0
    );
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
