import { AppError } from '../errors/app-error.js';

/** The key under which customerView shows the `hubspot_company_id` column inside `external_ids`. */
export const HUBSPOT_LINK_KEY = 'hubspot_company_id';

/**
 * `external_ids` as the client sent it, minus the HubSpot link. The link is shown there
 * (customerView) so a client may PUT back what it read; the company linker owns the
 * column, so the key is dropped when it equals the stored link and refused when it
 * would change it. It never reaches the external_ids jsonb.
 */
export function withoutHubspotLink<T extends Record<string, unknown>>(
  externalIds: T | undefined,
  storedLink: string | null,
): T | undefined {
  if (externalIds === undefined || !Object.hasOwn(externalIds, HUBSPOT_LINK_KEY)) return externalIds;
  const { [HUBSPOT_LINK_KEY]: sent, ...rest } = externalIds;
  // HubSpot ids are numeric strings; a client that parsed it as a number still means the same link.
  if (storedLink === null || String(sent) !== storedLink) {
    throw new AppError('VALIDATION_FAILED', 'Invalid customer', {
      issues: [
        {
          path: `external_ids.${HUBSPOT_LINK_KEY}`,
          message: 'read-only: the HubSpot company link is managed by the sync; send the stored value or leave it out',
        },
      ],
    });
  }
  return rest as T;
}
