import { parse } from 'protobufjs';

// The long-connection frame of the official SDKs (ws-client/proto-buf/pbbp2), proto2 with required fields:
// a frame missing SeqID, LogID, service or method fails to decode on the client.
const PROTO = `
syntax = "proto2";
package pbbp2;
message Header { required string key = 1; required string value = 2; }
message Frame {
  required uint64 SeqID = 1;
  required uint64 LogID = 2;
  required int32 service = 3;
  required int32 method = 4;
  repeated Header headers = 5;
  optional string payload_encoding = 6;
  optional string payload_type = 7;
  optional bytes payload = 8;
  optional string LogIDNew = 9;
}`;

const FrameType = parse(PROTO, { keepCase: true }).root.lookupType('pbbp2.Frame');

export const METHOD_CONTROL = 0;
export const METHOD_DATA = 1;

export interface FrameHeader {
  key: string;
  value: string;
}

export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: FrameHeader[];
  payload?: Uint8Array;
}

export function encodeFrame(frame: Frame): Uint8Array {
  return FrameType.encode(FrameType.fromObject(frame)).finish();
}

/** Throws when the bytes are not a valid frame (including a missing required field). */
export function decodeFrame(bytes: Uint8Array): Frame {
  const object = FrameType.toObject(FrameType.decode(bytes), { longs: Number, arrays: true });
  return {
    SeqID: Number(object.SeqID),
    LogID: Number(object.LogID),
    service: Number(object.service),
    method: Number(object.method),
    headers: (object.headers as FrameHeader[]).map((h) => ({ key: h.key, value: h.value })),
    payload: object.payload instanceof Uint8Array ? object.payload : undefined,
  };
}

export function headerValue(frame: Frame, key: string): string | undefined {
  return frame.headers.find((h) => h.key === key)?.value;
}
