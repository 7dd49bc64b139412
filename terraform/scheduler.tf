# Cloud Scheduler publishes with its service agent, which holds pubsub.topics.publish already.

resource "google_cloud_scheduler_job" "outbox_relay_tick" {
  name        = "warp-sync-outbox-relay-tick"
  region      = var.region
  description = "Every minute: the outbox relay republishes outbox rows left unpublished or stuck."
  schedule    = "* * * * *"
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.topic["relay_tick"].id
    data       = base64encode(jsonencode({ tick = true }))
  }
}

# The consumer of hubspot-reconcile-requests (daily reconciliation) is not built yet: until it
# is, the requests wait on the topic (7-day retention) and nothing reconciles. See README.md.
resource "google_cloud_scheduler_job" "daily_reconciliation" {
  name        = "warp-sync-daily-reconciliation"
  region      = var.region
  description = "Daily request to reconcile every customer with HubSpot."
  schedule    = var.reconcile_schedule
  time_zone   = var.reconcile_time_zone

  pubsub_target {
    topic_name = google_pubsub_topic.topic["reconcile_requests"].id
    data       = base64encode(jsonencode({ all = true }))
    attributes = { trigger = "SCHEDULER" }
  }
}
