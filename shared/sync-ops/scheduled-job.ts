import { CloudSchedulerClient, protos } from '@google-cloud/scheduler';
import { z } from 'zod';
import { isoDate } from './paging.js';

export const scheduledJobSchema = z.object({
  name: z.string(),
  schedule: z.string().nullable(),
  timeZone: z.string().nullable(),
  /** ENABLED, PAUSED, DISABLED or UPDATE_FAILED. */
  state: z.string().nullable(),
  lastAttemptTime: isoDate.nullable(),
  /** When the job runs next. */
  scheduleTime: isoDate.nullable(),
});
export type ScheduledJob = z.output<typeof scheduledJobSchema>;

/** Reads the reconciliation's Cloud Scheduler job; tests pass a fake. */
export interface ScheduledJobReader {
  readonly jobName: string;
  read(): Promise<ScheduledJob>;
}

/** How long a read is reused: the status endpoint is polled, the schedule rarely changes. */
const CACHE_MS = 60_000;

type Timestamp = protos.google.protobuf.ITimestamp | null | undefined;

function isoOf(ts: Timestamp): string | null {
  if (!ts?.seconds) return null;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

function stateName(state: protos.google.cloud.scheduler.v1.IJob['state']): string | null {
  if (state === null || state === undefined) return null;
  return typeof state === 'number' ? (protos.google.cloud.scheduler.v1.Job.State[state] ?? String(state)) : state;
}

/** Cloud Scheduler's getJob for `jobName` (projects/P/locations/L/jobs/J), cached for a minute per instance. */
export function cloudSchedulerJobReader(
  jobName: string,
  client: Pick<CloudSchedulerClient, 'getJob'> = new CloudSchedulerClient(),
): ScheduledJobReader {
  let cached: { at: number; job: Promise<ScheduledJob> } | undefined;
  const fetchJob = async (): Promise<ScheduledJob> => {
    const [job] = await client.getJob({ name: jobName });
    return {
      name: job.name ?? jobName,
      schedule: job.schedule ?? null,
      timeZone: job.timeZone ?? null,
      state: stateName(job.state),
      lastAttemptTime: isoOf(job.lastAttemptTime),
      scheduleTime: isoOf(job.scheduleTime),
    };
  };
  return {
    jobName,
    read() {
      const now = Date.now();
      if (!cached || now - cached.at > CACHE_MS) {
        const job = fetchJob();
        cached = { at: now, job };
        // A failed read is not cached: the next status call asks again.
        job.catch(() => {
          if (cached?.job === job) cached = undefined;
        });
      }
      return cached.job;
    },
  };
}
