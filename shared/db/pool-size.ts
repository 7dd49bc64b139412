/**
 * Connections one invocation holds at once: an HTTP request runs one transaction; a sync worker
 * keeps its transaction open while the shared rate budget (rate-budget.ts) takes another. A pool
 * of concurrency x this never makes an invocation queue for a connection. Terraform's
 * `db_per_request` per function is checked against these (test/unit/terraform).
 */
export const CONNECTIONS_PER_INVOCATION = { http: 1, worker: 2 } as const;

export function poolSizeFor(concurrency: number, kind: keyof typeof CONNECTIONS_PER_INVOCATION): number {
  return concurrency * CONNECTIONS_PER_INVOCATION[kind];
}
