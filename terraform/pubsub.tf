# Topics and the push subscriptions that deliver them to the workers. The subscriptions are ours
# rather than Eventarc's: an Eventarc trigger's subscription cannot be given message ordering or a
# dead-letter policy from Terraform. The Functions Framework turns a Pub/Sub push request into the
# same `messagePublished` CloudEvent Eventarc would send (the endpoint path names the topic).

locals {
  # Names match the code's defaults (shared/outbox/outbox-message.ts, shared/config/webhook-config.ts)
  # and the local emulator topology (dev/local/pubsub-topology.ts).
  topics = {
    outbox             = "warp-customer-changes"
    webhook_events     = "hubspot-webhook-events"
    relay_tick         = "outbox-relay-tick"
    reconcile_requests = "hubspot-reconcile-requests"
  }

  # One per consuming function. Ordered deliveries keep one customer's (one company's) changes in
  # sequence; retry_policy backs off 10 s .. 600 s; after var.max_delivery_attempts the message
  # goes to "<topic>-dead-letter", readable through "<topic>-dead-letter-inspect".
  push_subscriptions = {
    field_sync = {
      name                 = "field-sync"
      topic                = "outbox"
      function             = "field_sync"
      ordered              = true
      ack_deadline_seconds = 600
      retention            = "604800s"
      page_on_dead_letter  = true
    }
    hubspot_inbound = {
      name                 = "hubspot-webhook-processor"
      topic                = "webhook_events"
      function             = "hubspot_inbound"
      ordered              = true
      ack_deadline_seconds = 120
      retention            = "604800s"
      page_on_dead_letter  = true
    }
    # A tick nobody handled within 10 minutes is worthless: the next one does the same work.
    outbox_relay = {
      name                 = "outbox-relay"
      topic                = "relay_tick"
      function             = "outbox_relay"
      ordered              = false
      ack_deadline_seconds = 120
      retention            = "600s"
      page_on_dead_letter  = false
    }
    # A run may take the function's whole 540 s timeout; a redelivery resumes it from its cursor.
    reconcile = {
      name                 = "reconcile"
      topic                = "reconcile_requests"
      function             = "reconcile"
      ordered              = false
      ack_deadline_seconds = 600
      retention            = "604800s"
      page_on_dead_letter  = false
    }
  }

  dead_letter_topics = { for key, sub in local.push_subscriptions : key => "${local.topics[sub.topic]}-dead-letter" }
}

resource "google_pubsub_topic" "topic" {
  for_each = local.topics

  name   = each.value
  labels = local.labels
  # Reconcile requests are kept 7 days on the topic as well, so they can be replayed with
  # `gcloud pubsub subscriptions seek` after an outage of the reconcile function.
  message_retention_duration = each.key == "reconcile_requests" ? "604800s" : null
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = local.dead_letter_topics

  name   = each.value
  labels = local.labels
}

resource "google_pubsub_subscription" "push" {
  for_each = local.push_subscriptions

  name                       = each.value.name
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  enable_message_ordering    = each.value.ordered
  ack_deadline_seconds       = each.value.ack_deadline_seconds
  message_retention_duration = each.value.retention
  labels                     = local.labels

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri}/projects/${var.project_id}/topics/${local.topics[each.value.topic]}"

    oidc_token {
      service_account_email = google_service_account.pubsub_push.email
      audience              = google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = var.max_delivery_attempts
  }

  # Subscriptions expire after 31 idle days by default; these must never disappear.
  expiration_policy {
    ttl = ""
  }

  depends_on = [google_pubsub_topic_iam_member.dead_letter_publisher]
}

# Pull subscriptions on the dead-letter topics: without one, dead-lettered messages are dropped.
resource "google_pubsub_subscription" "dead_letter_inspect" {
  for_each = local.dead_letter_topics

  name                       = "${each.value}-inspect"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  ack_deadline_seconds       = 60
  message_retention_duration = "1209600s"
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }
}
