# Least privilege: one runtime identity per function, holding only its own secrets and topics.

locals {
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  secret_grants = merge([
    for fn_key, fn in local.functions : {
      for secret_key in distinct(values(fn.secrets)) : "${fn_key}/${secret_key}" => { function = fn_key, secret = secret_key }
    }
  ]...)

  publisher_grants = merge([
    for fn_key, fn in local.functions : {
      for topic_key in fn.publishes : "${fn_key}/${topic_key}" => { function = fn_key, topic = topic_key }
    }
  ]...)

  database_functions = toset([for key, fn in local.functions : key if contains(keys(fn.secrets), "DATABASE_URL")])
}

resource "google_service_account" "runtime" {
  for_each = local.functions

  account_id   = "wsync-${each.value.name}"
  display_name = "WARP Sync ${each.value.name} runtime"
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = local.secret_grants

  secret_id = google_secret_manager_secret.secret[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.runtime[each.value.function].member
}

resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = local.publisher_grants

  topic  = google_pubsub_topic.topic[each.value.topic].name
  role   = "roles/pubsub.publisher"
  member = google_service_account.runtime[each.value.function].member
}

# POST /v1/sync/dead-letters/replay pulls and acks the dead-letter inspection subscriptions.
resource "google_pubsub_subscription_iam_member" "customer_api_dead_letters" {
  for_each = local.dead_letter_topics

  subscription = google_pubsub_subscription.dead_letter_inspect[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.runtime["customer_api"].member
}

# GET /v1/sync/status reads the reconciliation job's schedule (jobs have no IAM of their own).
resource "google_project_iam_member" "customer_api_scheduler_viewer" {
  project = var.project_id
  role    = "roles/cloudscheduler.viewer"
  member  = google_service_account.runtime["customer_api"].member
}

resource "google_project_iam_member" "cloudsql_client" {
  for_each = var.cloud_sql_instance_connection_name == null ? toset([]) : local.database_functions

  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = google_service_account.runtime[each.key].member
}

# --- Who may call the functions -------------------------------------------------------------------
# customer-api and hubspot-webhook are called from the internet (browser with a JWT, HubSpot with
# a signature): both authenticate in code, so Cloud Run lets anyone reach them.
resource "google_cloud_run_v2_service_iam_member" "public_invoker" {
  for_each = { for key, fn in local.functions : key => fn if fn.public }

  location = var.region
  name     = google_cloudfunctions2_function.fn[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# The workers are only reachable by Pub/Sub push, with an OIDC token of this account.
resource "google_service_account" "pubsub_push" {
  account_id   = "wsync-pubsub-push"
  display_name = "WARP Sync Pub/Sub push invoker"
}

resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  for_each = local.push_subscriptions

  location = var.region
  name     = google_cloudfunctions2_function.fn[each.value.function].name
  role     = "roles/run.invoker"
  member   = google_service_account.pubsub_push.member
}

# Pub/Sub's service agent mints the push OIDC tokens ...
resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = google_service_account.pubsub_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# ... and moves undeliverable messages: publish to the dead-letter topic, ack on the source.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.dead_letter_topics

  topic  = google_pubsub_topic.dead_letter[each.key].name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.push_subscriptions

  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# --- Build ------------------------------------------------------------------------------------------
# A dedicated build identity instead of the default compute account (often a project Editor).
resource "google_service_account" "build" {
  account_id   = "wsync-build"
  display_name = "WARP Sync function builds"
}

resource "google_project_iam_member" "build" {
  for_each = toset(["roles/cloudbuild.builds.builder", "roles/logging.logWriter", "roles/artifactregistry.writer"])

  project = var.project_id
  role    = each.value
  member  = google_service_account.build.member
}

resource "google_storage_bucket_iam_member" "build_reads_source" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.build.member
}
