variable "project_id" {
  description = "GCP project that runs WARP Sync."
  type        = string
}

variable "region" {
  description = "Region of the functions, Pub/Sub push endpoints and Cloud Scheduler jobs."
  type        = string
  default     = "us-central1"
}

variable "log_level" {
  description = "LOG_LEVEL of every function (DEBUG, INFO, NOTICE, WARNING, ERROR)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, NOTICE, WARNING or ERROR."
  }
}

# --- Database -----------------------------------------------------------------------------------
# The code connects with `pg` to the URL in the `warp-sync-database-url` secret. On Cloud SQL use
# its private IP through a Serverless VPC Access connector (the URL then names that IP).

variable "vpc_connector" {
  description = "Serverless VPC Access connector (projects/P/locations/R/connectors/NAME) to reach the database's private IP; null = no connector."
  type        = string
  default     = null
}

variable "cloud_sql_instance_connection_name" {
  description = "Cloud SQL instance (PROJECT:REGION:INSTANCE). When set, the functions that use the database get roles/cloudsql.client (Cloud SQL connector / Auth Proxy / IAM database auth); plain private-IP password auth needs no IAM role."
  type        = string
  default     = null
}

variable "database_connection_limit" {
  description = "Connections the functions may hold together (the database's max_connections minus what other clients and superusers need). Each function's pool is its concurrency x connections per invocation; the sum over max instances must fit."
  type        = number
  default     = 400
}

# --- HubSpot ------------------------------------------------------------------------------------

variable "hubspot_base_path" {
  description = "HubSpot API base URL (HUBSPOT_BASE_PATH)."
  type        = string
  default     = "https://api.hubapi.com"
}

variable "hubspot_app_id" {
  description = "HUBSPOT_APP_ID: the numeric id of the HubSpot app whose token the sync uses. field-sync recognizes this app's own writes in HubSpot's history, so a write of ours that landed late is put back instead of being pulled into WARP."
  type        = string
  validation {
    condition     = can(regex("^[0-9]+$", var.hubspot_app_id))
    error_message = "hubspot_app_id must be the numeric HubSpot app id."
  }
}

variable "hubspot_budget_key" {
  description = "HUBSPOT_BUDGET_KEY: every function using the same HubSpot app token shares this rate budget row."
  type        = string
  default     = "default"
}

variable "hubspot_account_time_zone" {
  description = "HUBSPOT_ACCOUNT_TIME_ZONE: the portal's time zone (IANA); HubSpot's daily API limit resets at midnight there, and parked work resumes then."
  type        = string
  default     = "UTC"
}

variable "webhook_public_url" {
  description = "The exact target URL configured in the HubSpot app (v2/v3 signatures cover it). null = the function's own https://REGION-PROJECT.cloudfunctions.net/hubspot-webhook URL."
  type        = string
  default     = null
}

variable "webhook_signature_versions" {
  description = "Signature versions the webhook intake accepts (WEBHOOK_SIGNATURE_VERSIONS)."
  type        = list(string)
  default     = ["v3"]
}

# --- Customer API -------------------------------------------------------------------------------

variable "cors_allowed_origins" {
  description = "Origins of the admin portal allowed by CORS (CORS_ALLOWED_ORIGINS)."
  type        = list(string)
  default     = []
}

variable "jwt_issuer" {
  description = "Issuer of the access tokens (JWT_ISSUER)."
  type        = string
  default     = "warp-api-gateway"
}

variable "customer_api_min_instances" {
  description = "Warm instances of the customer API (0 saves money, 1 avoids cold starts for the portal)."
  type        = number
  default     = 1
}

variable "customer_api_ingress" {
  description = "ALLOW_ALL (browser calls the function URL) or ALLOW_INTERNAL_AND_GCLB (behind an external HTTPS load balancer)."
  type        = string
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_AND_GCLB", "ALLOW_INTERNAL_ONLY"], var.customer_api_ingress)
    error_message = "customer_api_ingress must be ALLOW_ALL, ALLOW_INTERNAL_AND_GCLB or ALLOW_INTERNAL_ONLY."
  }
}

# --- Sync workers -------------------------------------------------------------------------------

variable "field_sync_max_instances" {
  description = "Max field-sync instances. Every instance spends the same HubSpot app budget (100-250 calls per 10 s): more instances only wait longer."
  type        = number
  default     = 3
}

variable "max_delivery_attempts" {
  description = "Pub/Sub deliveries before a message goes to its dead-letter topic (also INBOUND_MAX_ATTEMPTS)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "Pub/Sub accepts 5..100 delivery attempts."
  }
}

variable "extra_environment" {
  description = "Extra env vars per function key (customer_api, hubspot_webhook, field_sync, outbox_relay, hubspot_inbound), e.g. JWT_AUDIENCE or HUBSPOT_RATE_MAX_PER_WINDOW. Never secrets."
  type        = map(map(string))
  default     = {}
}

variable "secret_rollout_id" {
  description = "Change (e.g. to a date) after `gcloud secrets versions add` to roll every function to a new revision, which reads the secrets' latest versions."
  type        = string
  default     = "initial"
}

# --- Scheduler ----------------------------------------------------------------------------------

variable "reconcile_schedule" {
  description = "Cron schedule of the daily reconciliation request."
  type        = string
  default     = "0 3 * * *"
}

variable "reconcile_time_zone" {
  description = "Time zone of reconcile_schedule."
  type        = string
  default     = "Etc/UTC"
}

# --- Alerting -----------------------------------------------------------------------------------

variable "page_notification_channels" {
  description = "Notification channel ids (projects/P/notificationChannels/N) for alerts that page the on-call."
  type        = list(string)
  default     = []
}

variable "ticket_notification_channels" {
  description = "Notification channel ids for alerts that can wait for working hours."
  type        = list(string)
  default     = []
}

variable "backlog_age_alert_minutes" {
  description = "Alert when the oldest unacked message of a sync subscription is older than this."
  type        = number
  default     = 15
}

variable "http_5xx_ratio_threshold" {
  description = "Alert when this fraction of an HTTP function's requests answer 5xx over 5 minutes."
  type        = number
  default     = 0.05
}

variable "webhook_signature_rejections_threshold" {
  description = "Alert when the webhook intake refuses more signatures than this in 5 minutes."
  type        = number
  default     = 10
}

variable "error_log_threshold" {
  description = "Alert when one function writes more ERROR (or worse) lines than this in 5 minutes."
  type        = number
  default     = 10
}

variable "reconcile_absence_hours" {
  description = "Page when no (non-dry) reconciliation run has succeeded for this many hours; above the daily schedule."
  type        = number
  default     = 26
}

variable "conflict_rate_threshold" {
  description = "Ticket when more MANUAL conflicts than this open in one hour."
  type        = number
  default     = 20
}
