import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

/** Where the recorded histories live; the replay test replays every file here. */
export const HISTORIES_DIR = path.resolve(__dirname, '../../fixtures/histories');

/** One run of a workflow: its id and, when the id has had several runs (a retry, a continue-as-new), which one. */
export interface WorkflowRun {
  workflowId: string;
  runId?: string;
}

/** A recorded history as the replay test reads it: the file it came from and the workflow type it records. */
export interface RecordedHistory {
  file: string;
  workflowType: string;
  history: History;
}

/** The file a history is written to: `<name>.json`, or `<name>.<suffix>.json` for a history recorded beside the
 * ones of an earlier version of the workflow code. */
export function historyFile(name: string, suffix?: string): string {
  return path.join(HISTORIES_DIR, suffix ? `${name}.${suffix}.json` : `${name}.json`);
}

/** Converts between a history and its canonical proto3 JSON, the form of the SDK's `historyToJSON` and
 * `historyFromJSON` and of `temporal workflow show --output json`. The SDK's own pair cannot be used here: it takes
 * protobufjs from `@temporalio/common` and the message types from `@temporalio/proto`, and where npm installs a copy
 * of protobufjs under each package (as it does when another major version sits at the top of node_modules) a type of
 * one copy is no `Type` of the other's, and both throw "type must be a Type". Here both come from the copy that
 * `@temporalio/proto` loads. */
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- found from @temporalio/proto's folder, as no import can say
const protojson: ProtoJson = require(
  require.resolve('protobufjs/ext/protojson', { paths: [require.resolve('@temporalio/proto')] }),
);
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

function historyToJSON(history: History): unknown {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

function historyFromJSON(json: unknown): History {
  // Unknown fields (a newer server's) are skipped, as the SDK does.
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a history');
  return history;
}

/** What a recording leaves out of the machine it was made on, none of which replay reads: an event's `identity` names
 * the worker or client behind it (a process id and a host name), and a failure's `stackTrace` the files the error
 * passed through; the trace keeps its first line, the error's name and message. */
function machineFree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(machineFree);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (key === 'identity') return [key, 'recorder'];
      if (key === 'stackTrace' && typeof inner === 'string') return [key, inner.split('\n')[0]];
      return [key, machineFree(inner)];
    }),
  );
}

/** Fetches a run's history as it stands (a workflow still waiting on its timer is recorded as it waits) and writes
 * it in the SDK's JSON form, indented so a reviewer can read what changed. */
export async function writeHistory(client: Client, run: WorkflowRun, file: string): Promise<number> {
  const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  const json = machineFree(historyToJSON(history));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  return history.events?.length ?? 0;
}

/** Every recorded history, in file-name order. */
export function readHistories(): RecordedHistory[] {
  return readdirSync(HISTORIES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const workflowType = started?.workflowType?.name;
      if (!workflowType) throw new Error(`${file}: its first event is not the start of a workflow`);
      return { file, workflowType, history };
    });
}
