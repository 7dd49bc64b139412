# Secret containers only. Values are added out of band, never through Terraform (state would
# hold them):  printf '%s' "$VALUE" | gcloud secrets versions add SECRET_ID --data-file=-

locals {
  secrets = {
    database_url = {
      secret_id   = "warp-sync-database-url"
      description = "postgres:// URL of the WARP database (all functions)."
    }
    jwt_secret = {
      secret_id   = "warp-sync-jwt-secret"
      description = "HS256 key shared with WARP's auth service (customer-api)."
    }
    hubspot_access_token = {
      secret_id   = "warp-sync-hubspot-access-token"
      description = "Token of the HubSpot private app that writes (companies read/write, schemas read/write): field-sync only."
    }
    hubspot_read_token = {
      secret_id   = "warp-sync-hubspot-read-token"
      description = "Token of the read-only HubSpot private app (crm.objects.companies.read): hubspot-inbound and reconcile."
    }
    hubspot_client_secret = {
      secret_id   = "warp-sync-hubspot-client-secret"
      description = "HubSpot app client secret that signs webhooks (hubspot-webhook)."
    }
  }
}

resource "google_secret_manager_secret" "secret" {
  for_each = local.secrets

  secret_id = each.value.secret_id
  labels    = local.labels
  annotations = {
    description = each.value.description
  }

  replication {
    auto {}
  }
}
