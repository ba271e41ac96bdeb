/** Every workflow the worker hosts; the worker bundles this file. */
export { generateReportWorkflow } from './generate-report';
