/** The client of the evidence reports API, as a package would export it. */
export { ApiError } from './api-error';
export {
  EvidenceClient,
  fileNameOf,
  type ClientOptions,
  type DownloadedArtifact,
  type Endpoint,
  type EndpointInput,
  type EndpointPage,
  type ErrorBody,
  type ImportJob,
  type ImportOptions,
  type Jwks,
  type PageQuery,
  type Report,
  type ReportPage,
  type ReportQueued,
  type ReportRequest,
} from './client';
export { WaitTimeoutError, importEnded, reportSettled, waitForImport, waitForReport, type WaitOptions } from './wait';
