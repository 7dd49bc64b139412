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

# Consumed by the reconcile function: an incremental run over every customer that may have been
# missed since the last successful run. `trigger` marks the run as the scheduler's.
resource "google_cloud_scheduler_job" "daily_reconciliation" {
  name        = "warp-sync-daily-reconciliation"
  region      = var.region
  description = "Daily request to reconcile every customer with HubSpot."
  schedule    = var.reconcile_schedule
  time_zone   = var.reconcile_time_zone

  pubsub_target {
    topic_name = google_pubsub_topic.topic["reconcile_requests"].id
    data       = base64encode(jsonencode({ all = true, trigger = "SCHEDULER" }))
  }
}
