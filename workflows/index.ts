/** Every workflow the worker hosts; the worker bundles this file. */
export { generateReportWorkflow } from './generate-report';
export { artifactRetentionWorkflow, retargetRetentionWorkflow } from './retention';
export { importFindingsWorkflow } from './import-findings';
export { weaknessAcceptanceWorkflow } from './weakness-acceptance';
export { tenantOffboardingWorkflow } from './tenant-offboarding';
export { approveReportWorkflow } from './approve-report';
