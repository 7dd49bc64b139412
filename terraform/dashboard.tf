# One dashboard with the charts the alerts point at.

locals {
  sync_subscription_filter = join(" OR ", [for sub in google_pubsub_subscription.push : "\"${sub.name}\""])
  dead_letter_filter       = join(" OR ", [for sub in google_pubsub_subscription.dead_letter_inspect : "\"${sub.name}\""])
  function_filter          = join(" OR ", [for name in local.service_names : "\"${name}\""])

  charts = [
    {
      title    = "Requests by function and status class (req/s)"
      filter   = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\" AND resource.labels.service_name=(${local.function_filter})"
      aligner  = "ALIGN_RATE"
      group_by = ["resource.labels.service_name", "metric.labels.response_code_class"]
      reducer  = "REDUCE_SUM"
    },
    {
      title    = "Request latency p99 (ms)"
      filter   = "metric.type=\"run.googleapis.com/request_latencies\" AND resource.type=\"cloud_run_revision\" AND resource.labels.service_name=(${local.function_filter})"
      aligner  = "ALIGN_PERCENTILE_99"
      group_by = ["resource.labels.service_name"]
      reducer  = "REDUCE_MAX"
    },
    {
      title    = "Undelivered messages on sync subscriptions"
      filter   = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=(${local.sync_subscription_filter})"
      aligner  = "ALIGN_MAX"
      group_by = ["resource.labels.subscription_id"]
      reducer  = "REDUCE_MAX"
    },
    {
      title    = "Oldest unacked message age (s)"
      filter   = "metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" AND resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=(${local.sync_subscription_filter})"
      aligner  = "ALIGN_MAX"
      group_by = ["resource.labels.subscription_id"]
      reducer  = "REDUCE_MAX"
    },
    {
      title    = "Dead-lettered messages waiting"
      filter   = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=(${local.dead_letter_filter})"
      aligner  = "ALIGN_MAX"
      group_by = ["resource.labels.subscription_id"]
      reducer  = "REDUCE_MAX"
    },
    {
      title    = "Instances per function"
      filter   = "metric.type=\"run.googleapis.com/container/instance_count\" AND resource.type=\"cloud_run_revision\" AND resource.labels.service_name=(${local.function_filter})"
      aligner  = "ALIGN_MAX"
      group_by = ["resource.labels.service_name"]
      reducer  = "REDUCE_SUM"
    },
    {
      title    = "ERROR+ log lines per function"
      filter   = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.metric["error_logs"].name}\""
      aligner  = "ALIGN_SUM"
      group_by = ["metric.labels.service"]
      reducer  = "REDUCE_SUM"
    },
    {
      title    = "401 answers per function (customer API tokens, webhook signatures)"
      filter   = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.metric["unauthorized_requests"].name}\""
      aligner  = "ALIGN_SUM"
      group_by = ["metric.labels.service"]
      reducer  = "REDUCE_SUM"
    },
    {
      title    = "Outbound sync: retrying vs failed for good"
      filter   = "metric.type=(\"logging.googleapis.com/user/${google_logging_metric.metric["field_sync_retrying"].name}\" OR \"logging.googleapis.com/user/${google_logging_metric.metric["field_sync_failed"].name}\")"
      aligner  = "ALIGN_SUM"
      group_by = ["metric.type"]
      reducer  = "REDUCE_SUM"
    },
    {
      title    = "HubSpot daily limit / token refused / other CRITICAL"
      filter   = "metric.type=(\"logging.googleapis.com/user/${google_logging_metric.metric["hubspot_daily_limit"].name}\" OR \"logging.googleapis.com/user/${google_logging_metric.metric["hubspot_auth_failure"].name}\" OR \"logging.googleapis.com/user/${google_logging_metric.metric["critical_logs"].name}\")"
      aligner  = "ALIGN_SUM"
      group_by = ["metric.type"]
      reducer  = "REDUCE_SUM"
    },
  ]
}

resource "google_monitoring_dashboard" "warp_sync" {
  dashboard_json = jsonencode({
    displayName = "WARP Sync"
    mosaicLayout = {
      columns = 12
      tiles = [
        for index, chart in local.charts : {
          xPos   = (index % 2) * 6
          yPos   = floor(index / 2) * 4
          width  = 6
          height = 4
          widget = {
            title = chart.title
            xyChart = {
              dataSets = [{
                plotType = "LINE"
                timeSeriesQuery = {
                  timeSeriesFilter = {
                    filter = chart.filter
                    aggregation = {
                      alignmentPeriod    = "60s"
                      perSeriesAligner   = chart.aligner
                      crossSeriesReducer = chart.reducer
                      groupByFields      = chart.group_by
                    }
                  }
                }
              }]
            }
          }
        }
      ]
    }
  })
}
