/**
 * RFC 9457 problem details: the only error shape a client ever sees.
 */
import { STATUS_CODES } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

/** An error a route throws on purpose; its detail is written for the client. */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? STATUS_CODES[statusCode] ?? 'Error');
  }
}

export function problemBody(status: number, detail?: string): ProblemBody {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, ...(detail ? { detail } : {}) };
}

/** JSON schema of a problem body, shared by every route's error responses. */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
  },
  required: ['type', 'title', 'status'],
} as const;
