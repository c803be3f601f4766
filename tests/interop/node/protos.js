'use strict';
// The message and service definitions the client speaks with, none of them from the project's own
// copies of standard protos:
// - graphgrpc.v1 from protos/ (the contract);
// - grpc.health.v1 from the health.proto that Debian's grpc-proto package installs;
// - google.rpc.Status defined here, in protobufjs's reflection JSON.

const { execFileSync } = require('child_process');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const LOADER_OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };
const HEALTH_PROTO = 'grpc/health/v1/health.proto';

// google/rpc/status.proto and google/protobuf/any.proto, field for field.
const STATUS_JSON = {
  nested: {
    google: {
      nested: {
        rpc: { nested: { Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 }, details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 } } } } },
        protobuf: { nested: { Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } } } },
      },
    },
  },
};

// The include directory holding grpc/health/v1/health.proto, as dpkg lists the package's files.
function grpcProtoIncludeDir() {
  let listing;
  try {
    listing = execFileSync('dpkg', ['-L', 'grpc-proto'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`Debian package grpc-proto is not installed (tests/interop/apt-packages.txt lists it): ${error.stderr || error.message}`);
  }
  const healthProto = listing.split('\n').find((file) => file.endsWith(`/${HEALTH_PROTO}`));
  if (!healthProto) throw new Error(`Debian package grpc-proto has no file ${HEALTH_PROTO}`);
  return healthProto.slice(0, -HEALTH_PROTO.length);
}

function load(repoRoot) {
  const evaluator = protoLoader.loadSync('graphgrpc/v1/evaluator.proto', { ...LOADER_OPTIONS, includeDirs: [path.join(repoRoot, 'protos')] });
  const health = protoLoader.loadSync(HEALTH_PROTO, { ...LOADER_OPTIONS, includeDirs: [grpcProtoIncludeDir()] });
  const status = protoLoader.fromJSON(STATUS_JSON, LOADER_OPTIONS);
  return {
    GraphEvaluator: grpc.loadPackageDefinition(evaluator).graphgrpc.v1.GraphEvaluator,
    Health: grpc.loadPackageDefinition(health).grpc.health.v1.Health,
    decodeStatus: status['google.rpc.Status'].deserialize,
    decodeValidationFailure: evaluator['graphgrpc.v1.ValidationFailure'].deserialize,
  };
}

module.exports = { load };
