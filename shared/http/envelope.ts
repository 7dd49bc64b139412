import type { Response } from '@google-cloud/functions-framework';
import { toErrorResponse } from '../errors/app-error.js';
import { stringifyJson } from './json-text.js';

/** Writes an already-serialised JSON body (also used to replay a stored response verbatim). */
export function sendJsonText(res: Response, status: number, text: string, headers: Record<string, string> = {}): void {
  res.status(status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}

export function successBody(data: unknown): string {
  return stringifyJson({ success: true, data });
}

/** `{ success: true, data }`, the shape the admin portal reads as `response.data.data`. */
export function sendData(res: Response, status: number, data: unknown, headers?: Record<string, string>): void {
  sendJsonText(res, status, successBody(data), headers);
}

/** Any thrown value as the error envelope; returns the status it sent. */
export function sendError(res: Response, err: unknown, headers?: Record<string, string>): number {
  const { status, body } = toErrorResponse(err);
  const extra = { ...headers };
  if (status === 405 && Array.isArray(body.error.details?.allow)) extra.Allow = body.error.details.allow.join(', ');
  sendJsonText(res, status, stringifyJson(body), extra);
  return status;
}
