// Workflow histories as JSON (the shape of `temporal workflow show --output json`), for the committed
// corpus in test/fixtures/histories/. Not @temporalio/common's historyFromJSON/historyToJSON: in this
// install @temporalio/common and @temporalio/proto each carry their own protobufjs 8 (the root one is
// 7, for grpc and OpenTelemetry), so common's converter rejects proto's types ("type must be a Type");
// the protojson of proto's own protobufjs reads and writes them.
import { createRequire } from 'node:module';
import type * as proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  fromJson: (type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }) => unknown;
  toJsonString: (type: unknown, message: unknown, options?: unknown) => string;
}

const require = createRequire(import.meta.url);
const fromProto = createRequire(require.resolve('@temporalio/proto'));
const protojson = fromProto('protobufjs/ext/protojson') as ProtoJson;
const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as {
  patchProtobufRoot: (root: unknown) => { lookupType(name: string): unknown };
};
const historyType = patchProtobufRoot(require('@temporalio/proto')).lookupType('temporal.api.history.v1.History');

/** A history parsed from its JSON form. */
export function historyFromJson(json: unknown): History {
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}

/** A history in its JSON form. */
export function historyToJson(history: History): string {
  return protojson.toJsonString(historyType, history);
}
