/**
 * The API's types, for the client. Written by hand, in the shape openapi-typescript gives, until the service's
 * OpenAPI document is committed; `npm run client:types` then generates this file from it, and a unit test
 * keeps the committed file equal to what the document generates. Only the parts the client calls are here.
 */

export interface components {
  schemas: {
    /** The one shape of every error answer. */
    Error: {
      error: {
        code: string;
        message: string;
        field?: string;
        [key: string]: unknown;
      };
    };
    ReportRequest: {
      title: string;
      frameworks: string[];
      scope: {
        endpoint_ids: string[];
        from: string;
        to: string;
        include_severities?: ('critical' | 'high' | 'medium' | 'low' | 'info')[];
      };
      format?: 'pdf' | 'json';
    };
    /** The answer to a create or a regenerate. */
    ReportQueued: {
      id: string;
      status: 'queued';
      format: 'pdf' | 'json';
      queued_at: string;
      regenerated_from?: string;
    };
    /** The answer to a retry. */
    ReportRetried: {
      id: string;
      status: 'queued';
      format: 'pdf' | 'json';
      attempt: number;
    };
    Artifact: {
      file_name: string;
      content_type: string;
      size: number;
      sha256: string;
      signature: { type: string; key_id: string; jws: string | null } | null;
    };
    Report: {
      id: string;
      status: 'queued' | 'running' | 'ready' | 'failed' | 'purging' | 'expired';
      format: 'pdf' | 'json';
      title: string;
      frameworks: string[];
      scope: { endpoint_ids: string[]; from: string; to: string; include_severities: string[] };
      progress: {
        stage: 'queued' | 'collecting' | 'modelling' | 'rendering' | 'signing' | 'storing' | 'done' | 'failed';
        percent: number;
      };
      attempts: number;
      queued_at: string;
      started_at: string | null;
      completed_at: string | null;
      failed_at: string | null;
      expires_at: string | null;
      purged_at: string | null;
      legal_hold: { reason: string; placed_at: string; placed_by: string } | null;
      regenerated_from: string | null;
      error: { code: string; message: string } | null;
      counts: Record<string, unknown> | null;
      artifact: components['schemas']['Artifact'] | null;
      version: number | null;
      approval: Record<string, unknown> | null;
      versions: Record<string, unknown>[];
      links: {
        self: string;
        download: string | null;
        regenerate: string | null;
        retry: string | null;
        approve: string | null;
      };
    };
    ReportPage: {
      data: components['schemas']['Report'][];
      next_cursor: string | null;
    };
    EndpointInput: {
      name: string;
      description?: string;
    };
    Endpoint: {
      id: string;
      name: string;
      description: string;
      created_at: string | null;
    };
    EndpointPage: {
      data: components['schemas']['Endpoint'][];
      next_cursor: string | null;
    };
    ImportJob: {
      id: string;
      status: 'receiving' | 'queued' | 'running' | 'succeeded' | 'failed';
      endpoint_id: string;
      created_at: string;
      started_at: string | null;
      finished_at: string | null;
      progress: {
        phase: 'receiving' | 'queued' | 'checking' | 'storing' | 'done';
        bytes_read: number;
        bytes_total: number;
        findings: number;
      };
      format: string | null;
      tool: string | null;
      file_bytes: number;
      file_sha256: string | null;
      findings: number | null;
      created: number | null;
      duplicates: number | null;
      error: { code: string; message: string; line?: number } | null;
      [key: string]: unknown;
    };
    Jwks: {
      keys: { kid?: string; kty?: string; x5c?: string[]; [key: string]: unknown }[];
    };
  };
}
