import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCustomerApiConfig } from '../../../shared/config/customer-api-config.js';
import { loadFieldSyncConfig } from '../../../shared/config/field-sync-config.js';
import { loadInboundConfig } from '../../../shared/config/inbound-config.js';
import { loadOutboxRelayConfig } from '../../../shared/config/outbox-relay-config.js';
import { loadReconcileConfig } from '../../../shared/config/reconcile-config.js';
import type { Env } from '../../../shared/config/parse-env.js';
import type { SecretReader } from '../../../shared/config/secrets.js';
import { loadWebhookConfig } from '../../../shared/config/webhook-config.js';
import { CONNECTIONS_PER_INVOCATION } from '../../../shared/db/pool-size.js';
import {
  asObject,
  evaluate,
  forEachLocal,
  loadTerraform,
  nested,
  type Block,
  type Json,
  type TerraformConfig,
} from './terraform-config.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TF_DIR = path.join(ROOT, 'terraform');
const DOCS_DIR = path.join(TF_DIR, 'alert-docs');

/** Values for references without a default (a real deployment passes them as variables). */
const EXAMPLES: Record<string, string> = {
  'var.project_id': 'warp-prod',
  'var.hubspot_app_id': '1234567',
  'local.webhook_public_url': 'https://us-central1-warp-prod.cloudfunctions.net/hubspot-webhook',
  'google_cloud_scheduler_job.daily_reconciliation.id': 'projects/warp-prod/locations/us-central1/jobs/warp-sync-daily-reconciliation',
};

/** Plausible secret values, as Secret Manager would mount them into the env. */
const SECRET_EXAMPLES: Record<string, string> = {
  database_url: 'postgres://warp_sync:example@10.0.0.5:5432/warp',
  jwt_secret: 'x'.repeat(48),
  hubspot_access_token: 'example-hubspot-token',
  hubspot_read_token: 'example-hubspot-read-token',
  hubspot_client_secret: 'example-client-secret',
};

const noSecretManager: SecretReader = {
  read: () => Promise.reject(new Error('Secret Manager is not used: secrets are mounted as env vars')),
};

/** What each entry point does with its env at start-up (its real config loaders). */
const START_UP: Record<string, (env: Env) => Promise<unknown>> = {
  customerApi: (env) => loadCustomerApiConfig(env, noSecretManager),
  hubspotWebhook: (env) => loadWebhookConfig(env, noSecretManager),
  fieldSync: (env) => loadFieldSyncConfig(env, noSecretManager),
  outboxRelay: (env) => loadOutboxRelayConfig(env, noSecretManager),
  hubspotInbound: (env) => loadInboundConfig(env, noSecretManager),
  reconcile: (env) => loadReconcileConfig(env, noSecretManager),
};

interface FunctionSpec {
  key: string;
  entryPoint: string;
  public: boolean;
  environment: Record<string, Json>;
  secrets: Record<string, string>;
  maxInstances: number;
  concurrency: number;
  /** DATABASE_MAX_CONNECTIONS as the resource sets it: concurrency x connections per invocation. */
  pool: number;
}

let tf: TerraformConfig;
let functions: FunctionSpec[];
let registered: Map<string, 'http' | 'cloudEvent'>;
let sourceText: string;

/** `http('name', ...)` / `cloudEvent('name', ...)` registrations in functions/<name>/index.ts. */
async function registeredEntryPoints(): Promise<Map<string, 'http' | 'cloudEvent'>> {
  const found = new Map<string, 'http' | 'cloudEvent'>();
  for (const dir of await readdir(path.join(ROOT, 'functions'), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const text = await readFile(path.join(ROOT, 'functions', dir.name, 'index.ts'), 'utf8').catch(() => '');
    for (const match of text.matchAll(/\b(http|cloudEvent)\(\s*'([^']+)'/g)) found.set(match[2]!, match[1] as 'http' | 'cloudEvent');
  }
  return found;
}

async function sourceFiles(dirs: string[]): Promise<string[]> {
  const texts: string[] = [];
  for (const dir of dirs) {
    for (const entry of await readdir(path.join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) texts.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
    }
  }
  return texts;
}

function resources(type: string): [string, Block][] {
  return Object.entries(tf.resources[type] ?? {});
}

function envOf(fn: FunctionSpec, withSecrets = true): Env {
  const env: Env = {};
  const common = asObject(tf.locals.common_environment, 'local.common_environment');
  for (const [name, value] of Object.entries({ ...fn.environment, ...common })) env[name] = evaluate(tf, value, EXAMPLES);
  env.DATABASE_MAX_CONNECTIONS = String(fn.pool);
  if (withSecrets) for (const [name, secret] of Object.entries(fn.secrets)) env[name] = SECRET_EXAMPLES[secret];
  return env;
}

describe('terraform formatting', () => {
  const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });

  it('is canonically formatted (terraform fmt -check, or basic layout rules without the binary)', async () => {
    if (terraform.status === 0) {
      const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-no-color', 'terraform'], { cwd: ROOT, encoding: 'utf8' });
      expect(fmt.stdout.trim(), 'files terraform fmt would rewrite').toBe('');
      expect(fmt.status).toBe(0);
      return;
    }
    for (const name of (await readdir(TF_DIR)).filter((n) => n.endsWith('.tf'))) {
      const text = await readFile(path.join(TF_DIR, name), 'utf8');
      expect(text.endsWith('\n'), `${name} ends with a newline`).toBe(true);
      expect(text, `${name} has no tabs`).not.toMatch(/\t/);
      expect(text, `${name} has no trailing spaces`).not.toMatch(/[ ]+$/m);
    }
  });
});

describe('terraform invariants', () => {
  beforeAll(async () => {
    tf = await loadTerraform(TF_DIR);
    functions = Object.entries(asObject(tf.locals.functions, 'local.functions')).map(([key, value]) => {
      const fn = asObject(value, key);
      return {
        key,
        entryPoint: String(fn.entry_point),
        public: fn.public === true,
        environment: asObject(fn.environment, `${key}.environment`),
        secrets: asObject(fn.secrets, `${key}.secrets`) as Record<string, string>,
        maxInstances: Number(evaluate(tf, fn.max_instances ?? null)),
        concurrency: Number(fn.concurrency),
        pool: Number(fn.concurrency) * Number(fn.db_per_request),
      };
    });
    registered = await registeredEntryPoints();
    sourceText = (await sourceFiles(['functions', 'shared'])).join('\n');
  });

  it('parses every .tf file', () => {
    expect([...tf.files.keys()]).toEqual(
      expect.arrayContaining([
        'versions.tf',
        'variables.tf',
        'functions.tf',
        'pubsub.tf',
        'scheduler.tf',
        'secrets.tf',
        'iam.tf',
        'monitoring.tf',
        'outputs.tf',
      ]),
    );
  });

  it('deploys every registered entry point on nodejs22, and nothing that is not registered', () => {
    const [[name, fn] = []] = resources('google_cloudfunctions2_function');
    expect(name).toBe('fn');
    const build = nested(fn!, 'build_config')!;
    expect(build.runtime).toBe('nodejs22');
    expect(build.entry_point).toBe('${each.value.entry_point}');
    expect(forEachLocal(tf, fn!)).toBe(tf.locals.functions);
    expect(registered.size).toBeGreaterThan(0);
    expect(functions.map((f) => f.entryPoint).sort()).toEqual([...registered.keys()].sort());
    for (const f of functions) expect(registered.get(f.entryPoint), `${f.key}: public = HTTP`).toBe(f.public ? 'http' : 'cloudEvent');
  });

  it('gives every function the env its config loader requires, secrets only from Secret Manager', async () => {
    const service = nested(resources('google_cloudfunctions2_function')[0]![1], 'service_config')!;
    expect(service.environment_variables).toMatch(/each\.value\.environment/);
    expect(service.environment_variables).toMatch(/local\.common_environment/);
    const dynamicBlocks = JSON.stringify(service.dynamic);
    expect(dynamicBlocks).toContain('secret_environment_variables');
    expect(dynamicBlocks).toContain('${each.value.secrets}');
    const declaredSecrets = Object.keys(asObject(tf.locals.secrets, 'local.secrets'));

    for (const fn of functions) {
      const startUp = START_UP[fn.entryPoint];
      expect(startUp, `a start-up check for ${fn.entryPoint}`).toBeDefined();
      for (const secret of Object.values(fn.secrets)) expect(declaredSecrets).toContain(secret);
      await expect(startUp!(envOf(fn)), `${fn.key} starts with the Terraform env`).resolves.toBeDefined();
      // The same check fails without the mounted secrets: it really looks at the env.
      await expect(startUp!(envOf(fn, false)), `${fn.key} needs its secrets`).rejects.toThrow();
    }
  });

  it('sizes pools from concurrency, and the defaults fit the connection limit the check enforces', () => {
    for (const fn of functions) {
      const kind = registered.get(fn.entryPoint) === 'http' ? 'http' : 'worker';
      expect(fn.pool, `${fn.key} pool`).toBe(fn.concurrency * CONNECTIONS_PER_INVOCATION[kind]);
    }
    const total = functions.reduce((sum, fn) => sum + fn.maxInstances * fn.pool, 0);
    expect(total).toBeLessThanOrEqual(Number(tf.variables.database_connection_limit?.default));
    expect(tf.files.get('functions.tf')).toMatch(/check "database_connections"/);
  });

  it('keeps INBOUND_MAX_ATTEMPTS equal to the dead-letter max_delivery_attempts', () => {
    const inbound = functions.find((f) => f.entryPoint === 'hubspotInbound')!;
    const [, push] = resources('google_pubsub_subscription').find(([name]) => name === 'push')!;
    expect(inbound.environment.INBOUND_MAX_ATTEMPTS).toBe(nested(push, 'dead_letter_policy')!.max_delivery_attempts);
  });

  it('gives every push subscription a dead-letter topic, backoff, and no expiry; orders the sync ones', () => {
    const subscriptions = resources('google_pubsub_subscription');
    const push = subscriptions.filter(([, block]) => nested(block, 'push_config'));
    expect(push.length).toBeGreaterThan(0);
    for (const [name, block] of push) {
      const deadLetter = nested(block, 'dead_letter_policy');
      expect(deadLetter?.dead_letter_topic, name).toMatch(/google_pubsub_topic\.dead_letter/);
      expect(evaluate(tf, deadLetter!.max_delivery_attempts!)).toBe('10');
      expect(nested(block, 'retry_policy')).toEqual({ minimum_backoff: '10s', maximum_backoff: '600s' });
      expect(nested(nested(block, 'push_config')!, 'oidc_token')?.service_account_email).toMatch(/pubsub_push/);
    }
    for (const [name, block] of subscriptions) expect(nested(block, 'expiration_policy'), name).toEqual({ ttl: '' });

    const pipelines = forEachLocal(tf, push[0]![1]);
    const consumers = Object.values(pipelines).map((p) => asObject(p, 'pipeline'));
    for (const fn of functions.filter((f) => !f.public)) {
      expect(
        consumers.some((p) => p.function === fn.key),
        `${fn.key} is fed by a push subscription`,
      ).toBe(true);
    }
    for (const key of ['field_sync', 'hubspot_inbound']) expect(asObject(pipelines[key], key).ordered).toBe(true);
  });

  it('uses the topic names the code defaults to', () => {
    const topics = asObject(tf.locals.topics, 'local.topics');
    expect(sourceText).toContain(`'${String(topics.outbox)}'`);
    expect(sourceText).toContain(`'${String(topics.webhook_events)}'`);
  });

  it('lets the Pub/Sub service agent dead-letter: publisher on dead-letter topics, subscriber on sources', () => {
    const publisher = tf.resources.google_pubsub_topic_iam_member?.dead_letter_publisher;
    const subscriber = tf.resources.google_pubsub_subscription_iam_member?.dead_letter_subscriber;
    expect(publisher?.for_each).toBe('${local.dead_letter_topics}');
    expect(publisher?.member).toBe('${local.pubsub_service_agent}');
    expect(subscriber?.for_each).toBe('${local.push_subscriptions}');
    expect(subscriber?.member).toBe('${local.pubsub_service_agent}');
    expect(String(tf.locals.pubsub_service_agent)).toMatch(/@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/);
  });

  it('pages when no real reconciliation has succeeded for longer than the daily schedule, counting no dry run', () => {
    const metrics = asObject(tf.locals.log_metrics, 'local.log_metrics');
    const succeeded = String(asObject(metrics.reconcile_succeeded, 'reconcile_succeeded').filter);
    expect(succeeded).toContain('jsonPayload.message="reconciliation run finished"');
    expect(succeeded).toContain('NOT jsonPayload.request.dryRun=true');
    const absent = tf.resources.google_monitoring_alert_policy?.reconcile_absent;
    const condition = nested(nested(absent!, 'conditions')!, 'condition_prometheus_query_language');
    expect(String(condition?.query)).toMatch(
      /^absent_over_time\(logging_googleapis_com:user_\$\{google_logging_metric\.metric\["reconcile_succeeded"\]\.name\}\[\$\{var\.reconcile_absence_hours\}h\]\)$/,
    );
    expect(Number(tf.variables.reconcile_absence_hours?.default)).toBeGreaterThan(24);
    expect(absent?.notification_channels).toBe('${var.page_notification_channels}');
  });

  it('gives the HubSpot write token to field-sync alone; the functions that only read get the read-scoped app', () => {
    const holders = (secret: string) =>
      functions
        .filter((f) => Object.values(f.secrets).includes(secret))
        .map((f) => f.key)
        .sort();
    expect(holders('hubspot_access_token')).toEqual(['field_sync']);
    expect(holders('hubspot_read_token')).toEqual(['customer_api', 'hubspot_inbound', 'reconcile']);
  });

  it('charts 401 answers of every HTTP function, not only the webhook', () => {
    const metrics = asObject(tf.locals.log_metrics, 'local.log_metrics');
    expect(String(asObject(metrics.unauthorized_requests, 'unauthorized_requests').filter)).toContain('AND httpRequest.status=401');
    expect(tf.files.get('dashboard.tf')).toMatch(/metric\["unauthorized_requests"\][\s\S]*?group_by = \["metric\.labels\.service"\]/);
  });

  it('holds no secret value in any .tf file or alert document', async () => {
    expect(tf.resources.google_secret_manager_secret_version).toBeUndefined();
    const docs = await Promise.all((await readdir(DOCS_DIR)).map((name) => readFile(path.join(DOCS_DIR, name), 'utf8')));
    for (const text of [...tf.files.values(), ...docs]) {
      expect(text).not.toMatch(/secret_data/);
      expect(text).not.toMatch(/postgres(ql)?:\/\/[^:\s/]+:[^@\s]+@/);
      expect(text).not.toMatch(/\bpat-[a-z]{2}\d?-[0-9a-f-]{8,}/i);
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(text).not.toMatch(/["'][A-Za-z0-9+/_-]{40,}={0,2}["']/);
    }
    for (const name of Object.keys(tf.variables)) expect(name, 'secrets are never variables').not.toMatch(/(token|password|secret)$/i);
  });

  it('documents every alert policy with a markdown runbook that says what to check', async () => {
    const policies = resources('google_monitoring_alert_policy');
    expect(policies.length).toBeGreaterThan(0);
    for (const [name, policy] of policies) {
      const doc = nested(policy, 'documentation');
      expect(doc?.mime_type, name).toBe('text/markdown');
      const template = /templatefile\("\$\{path\.module\}\/alert-docs\/([^"]+)"/.exec(String(doc?.content))?.[1];
      expect(template, `${name} documentation comes from alert-docs/`).toBeDefined();
      const files = template === '${each.key}.md' ? Object.keys(forEachLocal(tf, policy)).map((key) => `${key}.md`) : [template!];
      for (const file of files) {
        const text = await readFile(path.join(DOCS_DIR, file), 'utf8');
        expect(text, file).toContain('**What it means.**');
        expect(text, file).toContain('**First three checks**');
        expect(text, file).toMatch(/gcloud |SELECT /);
        expect(text.length, `${file} fits the 8192-character limit after interpolation`).toBeLessThan(6500);
      }
    }
  });

  it('filters logs on message texts the code really writes', async () => {
    const docs = await Promise.all((await readdir(DOCS_DIR)).map((name) => readFile(path.join(DOCS_DIR, name), 'utf8')));
    const filters = [
      ...Object.values(asObject(tf.locals.log_metrics, 'local.log_metrics')).map((m) => String(asObject(m, 'metric').filter)),
      ...docs,
    ];
    const exact = new Set<string>();
    const partial = new Set<string>();
    for (const text of filters) {
      for (const m of text.matchAll(/jsonPayload\.message=\(([^)]*)\)/g)) for (const q of m[1]!.matchAll(/"([^"]+)"/g)) exact.add(q[1]!);
      for (const m of text.matchAll(/jsonPayload\.message=("[^"]+")/g)) exact.add(JSON.parse(m[1]!) as string);
      for (const m of text.matchAll(/jsonPayload\.message:"([^"]+)"/g)) partial.add(m[1]!);
    }
    expect(exact.size).toBeGreaterThan(10);
    for (const message of exact) expect(sourceText, `log message "${message}"`).toContain(`'${message}'`);
    for (const fragment of partial) expect(sourceText, `log message part "${fragment}"`).toContain(fragment);
  });
});
