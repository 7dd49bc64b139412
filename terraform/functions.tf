# The six Cloud Functions (gen2), all built from one source zip: functions/index.ts loads the
# entry module named by FUNCTION_TARGET, so every function registers only its own handler.

locals {
  labels = { app = "warp-sync" }

  webhook_public_url = coalesce(var.webhook_public_url, "https://${var.region}-${var.project_id}.cloudfunctions.net/hubspot-webhook")

  # Every function gets these on top of its own `environment`.
  common_environment = {
    LOG_LEVEL            = var.log_level
    GOOGLE_CLOUD_PROJECT = var.project_id
    SECRET_ROLLOUT_ID    = var.secret_rollout_id
  }

  # key => function. `db_per_request` is how many connections one invocation holds at once (a
  # worker's transaction plus the shared rate budget's query; 2 is the workers' floor); the pool is
  # concurrency x that, so a request never queues for a connection, and the sum over max instances
  # is checked against the database's limit below. `secrets` maps an env var to a key of local.secrets (mounted as that env var,
  # which shared/config/secrets.ts reads when no NAME_SECRET is set); `publishes` are local.topics keys.
  functions = {
    customer_api = {
      name            = "customer-api"
      entry_point     = "customerApi"
      description     = "Customer API for the admin portal (HTTP, JWT + Gatekeeper)."
      public          = true
      ingress         = var.customer_api_ingress
      min_instances   = var.customer_api_min_instances
      max_instances   = 20
      concurrency     = 10
      db_per_request  = 1
      cpu             = "1"
      memory          = "512Mi"
      timeout_seconds = 60
      # The read-scoped HubSpot token: linking by hand reads companies; the sync worker alone writes.
      secrets   = { DATABASE_URL = "database_url", JWT_SECRET = "jwt_secret", HUBSPOT_READ_TOKEN = "hubspot_read_token" }
      publishes = ["outbox", "webhook_events", "reconcile_requests"]
      environment = {
        CORS_ALLOWED_ORIGINS = join(",", var.cors_allowed_origins)
        JWT_ISSUER           = var.jwt_issuer
        OUTBOX_TOPIC         = local.topics.outbox
        RECONCILE_TOPIC      = local.topics.reconcile_requests
        # GET /v1/sync/status reads the next run and reports the budget the workers share.
        RECONCILE_SCHEDULER_JOB   = google_cloud_scheduler_job.daily_reconciliation.id
        HUBSPOT_BUDGET_KEY        = var.hubspot_budget_key
        HUBSPOT_EVENTS_TOPIC      = local.topics.webhook_events
        HUBSPOT_BASE_PATH         = var.hubspot_base_path
        HUBSPOT_ACCOUNT_TIME_ZONE = var.hubspot_account_time_zone
        HUBSPOT_APP_ID            = var.hubspot_app_id
      }
    }
    hubspot_webhook = {
      name            = "hubspot-webhook"
      entry_point     = "hubspotWebhook"
      description     = "HubSpot webhook intake: verifies signatures, stores events, publishes them (HTTP, public)."
      public          = true
      ingress         = "ALLOW_ALL"
      min_instances   = 0
      max_instances   = 10
      concurrency     = 10
      db_per_request  = 1
      cpu             = "1"
      memory          = "512Mi"
      timeout_seconds = 30
      secrets         = { DATABASE_URL = "database_url", HUBSPOT_CLIENT_SECRET = "hubspot_client_secret" }
      publishes       = ["webhook_events"]
      environment = {
        WEBHOOK_PUBLIC_URL         = local.webhook_public_url
        WEBHOOK_SIGNATURE_VERSIONS = join(",", var.webhook_signature_versions)
        HUBSPOT_EVENTS_TOPIC       = local.topics.webhook_events
      }
    }
    field_sync = {
      name            = "field-sync"
      entry_point     = "fieldSync"
      description     = "WARP -> HubSpot field sync, pushed from the warp-customer-changes topic."
      public          = false
      ingress         = "ALLOW_INTERNAL_ONLY"
      min_instances   = 0
      max_instances   = var.field_sync_max_instances
      concurrency     = 2
      db_per_request  = 2
      cpu             = "1"
      memory          = "512Mi"
      timeout_seconds = 540
      secrets         = { DATABASE_URL = "database_url", HUBSPOT_ACCESS_TOKEN = "hubspot_access_token" }
      publishes       = []
      environment = {
        HUBSPOT_BASE_PATH         = var.hubspot_base_path
        HUBSPOT_ACCOUNT_TIME_ZONE = var.hubspot_account_time_zone
        HUBSPOT_APP_ID            = var.hubspot_app_id
        HUBSPOT_BUDGET_KEY        = var.hubspot_budget_key
        OUTBOX_TOPIC              = local.topics.outbox
      }
    }
    outbox_relay = {
      name            = "outbox-relay"
      entry_point     = "outboxRelay"
      description     = "Republishes outbox rows left unpublished or stuck, and stored webhook events left unpublished; ticked every minute."
      public          = false
      ingress         = "ALLOW_INTERNAL_ONLY"
      min_instances   = 0
      max_instances   = 1
      concurrency     = 1
      db_per_request  = 2
      cpu             = "0.5"
      memory          = "256Mi"
      timeout_seconds = 120
      secrets         = { DATABASE_URL = "database_url" }
      publishes       = ["outbox", "webhook_events"]
      environment = {
        OUTBOX_TOPIC         = local.topics.outbox
        HUBSPOT_EVENTS_TOPIC = local.topics.webhook_events
      }
    }
    hubspot_inbound = {
      name            = "hubspot-inbound"
      entry_point     = "hubspotInbound"
      description     = "HubSpot -> WARP: applies webhook events, pushed from the hubspot-webhook-events topic."
      public          = false
      ingress         = "ALLOW_INTERNAL_ONLY"
      min_instances   = 0
      max_instances   = 5
      concurrency     = 4
      db_per_request  = 2
      cpu             = "1"
      memory          = "512Mi"
      timeout_seconds = 120
      secrets         = { DATABASE_URL = "database_url", HUBSPOT_READ_TOKEN = "hubspot_read_token" }
      publishes       = ["outbox"]
      environment = {
        HUBSPOT_BASE_PATH         = var.hubspot_base_path
        HUBSPOT_ACCOUNT_TIME_ZONE = var.hubspot_account_time_zone
        HUBSPOT_BUDGET_KEY        = var.hubspot_budget_key
        OUTBOX_TOPIC              = local.topics.outbox
        INBOUND_MAX_ATTEMPTS      = var.max_delivery_attempts
      }
    }
    # One run over all customers at a time (a PostgreSQL lock); a run only enqueues outbox rows
    # and publishes them, so its HubSpot calls are the search pages of an incremental run.
    reconcile = {
      name            = "reconcile"
      entry_point     = "reconcile"
      description     = "Daily and operator-forced reconciliation: enqueues RESYNC outbox rows, pushed from hubspot-reconcile-requests."
      public          = false
      ingress         = "ALLOW_INTERNAL_ONLY"
      min_instances   = 0
      max_instances   = 1
      concurrency     = 1
      db_per_request  = 2
      cpu             = "1"
      memory          = "512Mi"
      timeout_seconds = 540
      secrets         = { DATABASE_URL = "database_url", HUBSPOT_READ_TOKEN = "hubspot_read_token" }
      publishes       = ["outbox"]
      environment = {
        HUBSPOT_BASE_PATH         = var.hubspot_base_path
        HUBSPOT_ACCOUNT_TIME_ZONE = var.hubspot_account_time_zone
        HUBSPOT_APP_ID            = var.hubspot_app_id
        HUBSPOT_BUDGET_KEY        = var.hubspot_budget_key
        OUTBOX_TOPIC              = local.topics.outbox
      }
    }
  }

  # What the build needs and nothing else (no .env, .data, node_modules or tests in the zip).
  source_root = "${path.module}/.."
  source_files = setunion(
    ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json"],
    fileset(local.source_root, "functions/**/*.ts"),
    fileset(local.source_root, "shared/**/*.ts"),
    # The operator console, built into dist/console by the same build.
    fileset(local.source_root, "console/**"),
    ["dev/build-console.ts"],
  )
}

data "archive_file" "source" {
  type        = "zip"
  output_path = "${path.module}/.build/warp-sync-source.zip"

  dynamic "source" {
    for_each = local.source_files
    content {
      filename = source.value
      content  = file("${local.source_root}/${source.value}")
    }
  }
}

resource "google_storage_bucket" "source" {
  name                        = "${var.project_id}-warp-sync-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels
}

# Named by content hash: a code change is a new object, so every function rebuilds.
resource "google_storage_bucket_object" "source" {
  name   = "source/warp-sync-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

resource "google_cloudfunctions2_function" "fn" {
  for_each = local.functions

  name        = each.value.name
  location    = var.region
  description = each.value.description
  labels      = local.labels

  build_config {
    # The buildpack runs `npm ci` then the `gcp-build` script (tsc); package.json `main` points at
    # dist/functions/index.js.
    runtime         = "nodejs22"
    entry_point     = each.value.entry_point
    service_account = google_service_account.build.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    min_instance_count               = each.value.min_instances
    max_instance_count               = each.value.max_instances
    max_instance_request_concurrency = each.value.concurrency
    available_cpu                    = each.value.cpu
    available_memory                 = each.value.memory
    timeout_seconds                  = each.value.timeout_seconds
    ingress_settings                 = each.value.ingress
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.runtime[each.key].email
    vpc_connector                    = var.vpc_connector
    vpc_connector_egress_settings    = var.vpc_connector == null ? null : "PRIVATE_RANGES_ONLY"

    environment_variables = merge(
      each.value.environment,
      lookup(var.extra_environment, each.key, {}),
      local.common_environment,
      { DATABASE_MAX_CONNECTIONS = each.value.concurrency * each.value.db_per_request },
    )

    dynamic "secret_environment_variables" {
      for_each = each.value.secrets
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = google_secret_manager_secret.secret[secret_environment_variables.value].secret_id
        version    = "latest"
      }
    }
  }

  # An instance that cannot read its secrets never becomes ready: grant access first.
  depends_on = [google_secret_manager_secret_iam_member.accessor]
}

check "database_connections" {
  assert {
    condition     = sum([for f in local.functions : f.max_instances * f.concurrency * f.db_per_request]) <= var.database_connection_limit
    error_message = "Max instances x pool size, summed over the functions, exceeds database_connection_limit: lower a function's max_instances or concurrency, or raise the database's max_connections."
  }
}
