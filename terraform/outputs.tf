output "function_urls" {
  description = "Cloud Run URL of each function."
  value       = { for key, fn in google_cloudfunctions2_function.fn : key => fn.service_config[0].uri }
}

output "customer_api_url" {
  description = "Base URL the admin portal calls."
  value       = google_cloudfunctions2_function.fn["customer_api"].url
}

output "hubspot_webhook_target_url" {
  description = "Set exactly this as the HubSpot app's webhook target URL (signatures cover it)."
  value       = local.webhook_public_url
}

output "secret_ids" {
  description = "Secrets to fill with `gcloud secrets versions add` before the functions can start."
  value       = { for key, secret in google_secret_manager_secret.secret : key => secret.secret_id }
}

output "topics" {
  description = "Pub/Sub topics, including the operator's resync/reconcile request topic."
  value       = { for key, topic in google_pubsub_topic.topic : key => topic.name }
}

output "dead_letter_subscriptions" {
  description = "Pull subscriptions to inspect and replay dead-lettered messages from."
  value       = { for key, sub in google_pubsub_subscription.dead_letter_inspect : key => sub.name }
}
