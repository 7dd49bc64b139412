# Log-based metrics over the functions' structured logs, and the alert policies the on-call acts
# on. Cloud Logging lifts a JSON line's `severity` into the entry's severity and keeps `message`
# as jsonPayload.message, so filters use `severity>=ERROR` and exact jsonPayload.message texts
# (taken from the code; the terraform test fails when a message text no longer exists there).

locals {
  service_names = [for fn in local.functions : fn.name]
  services_log_filter = join("", [
    "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=(",
    join(" OR ", [for name in local.service_names : "\"${name}\""]),
    ")",
  ])

  log_metrics = {
    error_logs = {
      description = "ERROR or worse log lines, per function."
      filter      = "${local.services_log_filter} AND severity>=ERROR"
    }
    critical_logs = {
      description = "CRITICAL lines other than the HubSpot limit/token ones, which have their own alerts."
      filter      = "${local.services_log_filter} AND severity>=CRITICAL AND NOT jsonPayload.message=(\"HubSpot daily API limit reached; every instance is parked\" OR \"HubSpot refused the access token; nothing syncs until it is fixed\") AND NOT jsonPayload.status=401"
    }
    hubspot_daily_limit = {
      description = "HubSpot's DAILY API limit reached: every instance is parked until it resets."
      filter      = "${local.services_log_filter} AND jsonPayload.message=(\"HubSpot daily API limit reached; every instance is parked\")"
    }
    # The line's `message` field is the literal below, or HubSpot's own error text with status 401.
    hubspot_auth_failure = {
      description = "HubSpot refused the access token."
      filter      = "${local.services_log_filter} AND severity=CRITICAL AND (jsonPayload.message=\"HubSpot refused the access token; nothing syncs until it is fixed\" OR jsonPayload.status=401)"
    }
    webhook_signature_rejected = {
      description = "Webhook deliveries refused with 401 (signature missing, stale or wrong)."
      filter      = "${local.services_log_filter} AND jsonPayload.message=\"HubSpot webhook rejected: signature not valid\""
    }
    webhook_publish_failed = {
      description = "Webhook events stored but not published; HubSpot was asked to retry."
      filter      = "${local.services_log_filter} AND jsonPayload.message=\"HubSpot webhook events stored but not all published; asking HubSpot to retry\""
    }
    field_sync_failed = {
      description = "Outbound syncs HubSpot refused for good (not retried)."
      filter      = "${local.services_log_filter} AND jsonPayload.message=(\"HubSpot refused the sync of a customer; not retried\" OR \"WARP write of a synced customer failed; its change is not retried\")"
    }
    field_sync_retrying = {
      description = "Outbound syncs that failed and will be retried."
      filter      = "${local.services_log_filter} AND jsonPayload.message=\"field sync failed; the change will be retried\""
    }
    inbound_failed = {
      description = "Webhook events whose processing failed for good (dead-lettered)."
      filter      = "${local.services_log_filter} AND jsonPayload.message=\"webhook event failed for good; its message goes to the dead-letter topic\""
    }
    message_rejected = {
      description = "Pub/Sub messages acked without processing because they failed validation."
      filter      = "${local.services_log_filter} AND jsonPayload.message=(\"outbox message rejected\" OR \"webhook event message rejected\" OR \"reconcile request rejected\")"
    }
    outbox_relay_publish_failed = {
      description = "Relay ticks that could not publish some outbox rows or stored webhook events."
      filter      = "${local.services_log_filter} AND jsonPayload.message=(\"outbox relay could not publish some rows\" OR \"outbox relay could not republish some webhook events\")"
    }
    reconcile_failed = {
      description = "Reconciliation runs that failed (Pub/Sub redelivers the request, which resumes the run)."
      filter      = "${local.services_log_filter} AND jsonPayload.message=\"reconciliation run failed\""
    }
    reconcile_succeeded = {
      description = "Reconciliation runs that finished (dry runs excluded); the absence alert watches it."
      filter      = "${local.services_log_filter} AND jsonPayload.message=\"reconciliation run finished\" AND NOT jsonPayload.request.dryRun=true"
    }
    conflicts_opened = {
      description = "MANUAL field conflicts opened (both sides changed one field; a person must choose)."
      filter      = "${local.services_log_filter} AND jsonPayload.message=\"field conflict opened: a person must choose the value\""
    }
    unauthorized_requests = {
      description = "HTTP requests answered 401, per function: customer API tokens and webhook signatures (request log lines carry LogEntry.httpRequest)."
      filter      = "${local.services_log_filter} AND httpRequest.status=401"
    }
    needs_attention = {
      description = "Link problems and MANUAL conflicts a person must resolve."
      filter      = "${local.services_log_filter} AND jsonPayload.message=(\"HubSpot company of a customer was deleted: needs attention\" OR \"HubSpot merge joined the companies of two customers: a person must link one of them to another company\" OR \"customer cannot be linked: its HubSpot company belongs to another customer; a person must relink one of them\" OR \"HubSpot company carries the BAN of a customer linked elsewhere\" OR \"field conflict opened: a person must choose the value\" OR \"customers whose HubSpot company was deleted still need attention\")"
    }
  }

  # Values the alert documentation templates (alert-docs/*.md) interpolate.
  doc_vars = {
    project            = var.project_id
    region             = var.region
    functions          = { for key, fn in local.functions : key => fn.name }
    topics             = local.topics
    subscriptions      = { for key, sub in local.push_subscriptions : key => sub.name }
    source_topics      = { for key, sub in local.push_subscriptions : key => local.topics[sub.topic] }
    dead_letter_topics = local.dead_letter_topics
    runbook            = "docs/RUNBOOK.md"
    max_attempts       = var.max_delivery_attempts
    absence_hours      = var.reconcile_absence_hours
    conflict_threshold = var.conflict_rate_threshold
  }

  # Alerts on a log-based metric: fire when its sum per function over `window` seconds exceeds `threshold`.
  log_alerts = {
    error_logs                  = { metric = "error_logs", threshold = var.error_log_threshold, page = false, severity = "ERROR", title = "ERROR log lines above threshold", window = 300 }
    critical_logs               = { metric = "critical_logs", threshold = 0, page = true, severity = "CRITICAL", title = "CRITICAL log line", window = 300 }
    hubspot_daily_limit         = { metric = "hubspot_daily_limit", threshold = 0, page = true, severity = "CRITICAL", title = "HubSpot daily API limit reached", window = 300 }
    hubspot_auth_failure        = { metric = "hubspot_auth_failure", threshold = 0, page = true, severity = "CRITICAL", title = "HubSpot refused the access token", window = 300 }
    webhook_signature_rejected  = { metric = "webhook_signature_rejected", threshold = var.webhook_signature_rejections_threshold, page = true, severity = "ERROR", title = "Webhook signature failures (401) spike", window = 300 }
    webhook_publish_failed      = { metric = "webhook_publish_failed", threshold = 0, page = false, severity = "WARNING", title = "Webhook events stored but not published", window = 300 }
    field_sync_failed           = { metric = "field_sync_failed", threshold = 0, page = false, severity = "WARNING", title = "Outbound sync refused by HubSpot", window = 300 }
    field_sync_retrying         = { metric = "field_sync_retrying", threshold = 20, page = false, severity = "WARNING", title = "Outbound sync retrying a lot", window = 300 }
    message_rejected            = { metric = "message_rejected", threshold = 0, page = false, severity = "ERROR", title = "Pub/Sub messages rejected as malformed", window = 300 }
    outbox_relay_publish_failed = { metric = "outbox_relay_publish_failed", threshold = 2, page = false, severity = "WARNING", title = "Outbox relay cannot publish", window = 300 }
    reconcile_failed            = { metric = "reconcile_failed", threshold = 0, page = false, severity = "WARNING", title = "Reconciliation run failed", window = 300 }
    needs_attention             = { metric = "needs_attention", threshold = 0, page = false, severity = "WARNING", title = "Customer link or conflict needs a person", window = 300 }
    # Many at once is rarely people: usually a mapping switched to MANUAL, or another integration.
    conflict_rate = { metric = "conflicts_opened", threshold = var.conflict_rate_threshold, page = false, severity = "WARNING", title = "Many MANUAL conflicts opened", window = 3600 }
  }

  http_functions = { for key, fn in local.functions : key => fn if fn.public }
}

resource "google_logging_metric" "metric" {
  for_each = local.log_metrics

  name        = "warp_sync_${each.key}"
  description = each.value.description
  filter      = each.value.filter

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"

    labels {
      key         = "service"
      value_type  = "STRING"
      description = "Function (Cloud Run service) that wrote the line."
    }
  }

  label_extractors = {
    service = "EXTRACT(resource.labels.service_name)"
  }
}

resource "google_monitoring_alert_policy" "log" {
  for_each = local.log_alerts

  display_name          = "WARP Sync: ${each.value.title}"
  combiner              = "OR"
  severity              = each.value.severity
  notification_channels = each.value.page ? var.page_notification_channels : var.ticket_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "${each.value.title} (per function, ${each.value.window / 60} min)"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.metric[each.value.metric].name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = each.value.threshold
      duration        = "0s"

      aggregations {
        alignment_period     = "${each.value.window}s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.service"]
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "3600s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "WARP Sync: ${each.value.title}"
    content   = templatefile("${path.module}/alert-docs/${each.key}.md", local.doc_vars)
  }
}

resource "google_monitoring_alert_policy" "dead_letters" {
  for_each = local.push_subscriptions

  display_name          = "WARP Sync: dead letters on ${local.dead_letter_topics[each.key]}"
  combiner              = "OR"
  severity              = each.value.page_on_dead_letter ? "ERROR" : "WARNING"
  notification_channels = each.value.page_on_dead_letter ? var.page_notification_channels : var.ticket_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "${google_pubsub_subscription.dead_letter_inspect[each.key].name} has messages"

    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${google_pubsub_subscription.dead_letter_inspect[each.key].name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "3600s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "WARP Sync: dead letters on ${local.dead_letter_topics[each.key]}"
    content   = templatefile("${path.module}/alert-docs/dead-letters.md", merge(local.doc_vars, { pipeline = each.key }))
  }
}

resource "google_monitoring_alert_policy" "backlog_age" {
  for_each = { for key, sub in local.push_subscriptions : key => sub if sub.ordered }

  display_name          = "WARP Sync: ${each.value.name} backlog older than ${var.backlog_age_alert_minutes} min"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.page_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "oldest unacked message on ${each.value.name}"

    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" AND resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${google_pubsub_subscription.push[each.key].name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.backlog_age_alert_minutes * 60
      duration        = "300s"

      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "3600s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "WARP Sync: ${each.value.name} backlog is old"
    content   = templatefile("${path.module}/alert-docs/backlog-age.md", merge(local.doc_vars, { pipeline = each.key, minutes = var.backlog_age_alert_minutes }))
  }
}

resource "google_monitoring_alert_policy" "http_5xx" {
  for_each = local.http_functions

  display_name          = "WARP Sync: ${each.value.name} 5xx rate above ${var.http_5xx_ratio_threshold * 100}%"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.page_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "${each.value.name} 5xx / all requests (5 min)"

    condition_threshold {
      filter             = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${google_cloudfunctions2_function.fn[each.key].name}\" AND metric.labels.response_code_class=\"5xx\""
      denominator_filter = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${google_cloudfunctions2_function.fn[each.key].name}\""
      comparison         = "COMPARISON_GT"
      threshold_value    = var.http_5xx_ratio_threshold
      duration           = "300s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }

      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "3600s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "WARP Sync: ${each.value.name} answers 5xx"
    content   = templatefile("${path.module}/alert-docs/http-5xx.md", merge(local.doc_vars, { function = each.key }))
  }
}

# No reconciliation has succeeded for var.reconcile_absence_hours: the daily job is not running or
# keeps failing, so whatever webhooks and the outbox missed stays unsynced. A metric-absence
# condition cannot look back more than 23.5 h, less than the daily period, so this is PromQL over
# the log-based counter. It also fires on a new deployment until its first run has succeeded.
resource "google_monitoring_alert_policy" "reconcile_absent" {
  display_name          = "WARP Sync: no reconciliation succeeded for ${var.reconcile_absence_hours} h"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.page_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "no successful reconciliation run in ${var.reconcile_absence_hours} h"

    condition_prometheus_query_language {
      query               = "absent_over_time(logging_googleapis_com:user_${google_logging_metric.metric["reconcile_succeeded"].name}[${var.reconcile_absence_hours}h])"
      duration            = "0s"
      evaluation_interval = "300s"
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "WARP Sync: no reconciliation succeeded for ${var.reconcile_absence_hours} h"
    content   = templatefile("${path.module}/alert-docs/reconcile_absent.md", local.doc_vars)
  }
}
