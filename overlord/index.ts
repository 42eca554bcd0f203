// The overlord's public API, re-exported from the package root: the Overlord class, per-host outcome types,
// target expansion, groups, async job codes and the output renderers.
export { Overlord, DEFAULT_TIMEOUT_SECONDS, type OverlordOptions } from './overlord.js';
export {
  type HostOutcome, type OkOutcome, type ErrorOutcome, type TimeoutOutcome, type UnreachableOutcome,
  type HostResult, type HostEvent, type HostProgressEvent, type HostResultEvent, type CallResults, type OutcomeStatus, OUTCOME_STATUSES, summarize, summaryLine, compareHosts,
} from './outcome.js';
export { TargetResolver, type TargetSources, type ExpandOptions } from './targets.js';
export { GroupsFile, parseMemberList } from './groups.js';
export { JobCodes, type JobCode, OverlordJobStore, formatJobId, overlordJobIdTime, RETAIN_SECONDS } from './job-store.js';
export { type JobStatus, type PollOptions } from './async-jobs.js';
export { type ModuleProxy, type MethodProxy } from './proxy.js';
export { fanout, type FanoutOptions } from './fanout.js';
export { chooseCredentials, loadCredentials, type CredentialChoice } from './credentials.js';
export { toJsonValue, renderJson, renderText, type OutputFormat } from './output.js';
export { sendFile, COPY_CHUNK_BYTES, type SendFileOptions } from './local/copyfile.js';
export { fetchFile } from './local/getfile.js';
