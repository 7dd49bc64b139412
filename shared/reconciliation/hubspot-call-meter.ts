/**
 * Meters a run's HubSpot calls from the client's running total: each call of the answered function
 * gives the calls made since the previous one (or since the meter was made), for the progress row.
 */
export function hubspotCallMeter(hubspotCalls: () => number): () => number {
  let counted = hubspotCalls();
  return () => {
    const total = hubspotCalls();
    const spent = total - counted;
    counted = total;
    return spent;
  };
}
