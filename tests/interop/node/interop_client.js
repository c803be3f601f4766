'use strict';
// gRPC interop client (grpc/grpc doc/interop-test-descriptions.md) on @grpc/grpc-js.
// Usage: node interop_client.js --server_port=PORT --protos_root=DIR --test_cases=a,b,c
// Prints "PASS name" or "FAIL name: reason" per case; exits 1 if any case failed.

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [key, ...rest] = arg.replace(/^--/, '').split('=');
  return [key, rest.join('=')];
}));

const definition = protoLoader.loadSync(['grpc/testing/test.proto', 'grpc/health/v1/health.proto'], {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [args.protos_root],
});
const loaded = grpc.loadPackageDefinition(definition);
const address = `127.0.0.1:${args.server_port}`;
const GZIP = 2;
const NO_COMPRESS = 2;
const SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n';
const ECHO_INITIAL = ['x-grpc-test-echo-initial', 'test_initial_metadata_value'];
const ECHO_TRAILING = ['x-grpc-test-echo-trailing-bin', Buffer.from([0xab, 0xab, 0xab])];

const client = new loaded.grpc.testing.TestService(address, grpc.credentials.createInsecure());
const gzipClient = new loaded.grpc.testing.TestService(address, grpc.credentials.createInsecure(),
  { 'grpc.default_compression_algorithm': GZIP });
const unimplemented = new loaded.grpc.testing.UnimplementedService(address, grpc.credentials.createInsecure());
const health = new loaded.grpc.health.v1.Health(address, grpc.credentials.createInsecure());

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const zeros = (size) => ({ body: Buffer.alloc(size) });
const largeRequest = (extra = {}) => ({ response_size: 314159, payload: zeros(271828), ...extra });

function checkLarge(response) {
  check(response.payload.body.length === 314159, `payload is ${response.payload.body.length} bytes, not 314159`);
  check(response.payload.body.every((b) => b === 0), 'payload is not all zeros');
}

function unary(target, method, request, metadata = new grpc.Metadata(), options = {}) {
  return new Promise((resolve, reject) => {
    const result = {};
    const call = target[method](request, metadata, options, (err, response) => {
      if (err) reject(err); else result.response = response;
    });
    call.on('metadata', (md) => { result.initial = md; });
    call.on('status', (status) => { result.trailing = status.metadata; if (result.response) resolve(result); });
  });
}

function clientStreaming(target, requests, options = {}, flags = []) {
  return new Promise((resolve, reject) => {
    const call = target.StreamingInputCall(new grpc.Metadata(), options, (err, response) => (err ? reject(err) : resolve(response)));
    requests.forEach((request, i) => call.write(request, flags[i]));
    call.end();
  });
}

// Collects a server stream: the responses, the initial metadata and the final status.
function collect(call) {
  return new Promise((resolve, reject) => {
    const result = { responses: [] };
    call.on('metadata', (md) => { result.initial = md; });
    call.on('data', (response) => result.responses.push(response));
    call.on('error', reject);
    call.on('status', (status) => { result.trailing = status.metadata; if (status.code === grpc.status.OK) resolve(result); });
  });
}

async function expectStatus(code, promise, details) {
  try {
    await promise;
  } catch (err) {
    check(err.code === code, `expected status ${code}, got ${err.code}: ${err.details}`);
    if (details !== undefined) check(err.details === details, `expected details ${JSON.stringify(details)}, got ${JSON.stringify(err.details)}`);
    return;
  }
  throw new Error(`expected status ${code}, but the call succeeded`);
}

const streamingRequest = (sizes, payloadSize) => ({
  response_parameters: sizes.map((size) => ({ size })),
  ...(payloadSize === undefined ? {} : { payload: zeros(payloadSize) }),
});

// A duplex call driven one message at a time: next() resolves with the next response.
function duplex(call) {
  const queue = [];
  const waiters = [];
  const deliver = (item) => (waiters.length ? waiters.shift()(item) : queue.push(item));
  call.on('data', (data) => deliver({ data }));
  call.on('error', (error) => deliver({ error }));
  call.on('end', () => deliver({ end: true }));
  return () => new Promise((resolve) => (queue.length ? resolve(queue.shift()) : waiters.push(resolve)));
}

const cases = {
  async empty_unary() {
    const { response } = await unary(client, 'EmptyCall', {});
    check(Object.keys(response).length === 0, 'response is not empty');
  },
  async large_unary() {
    checkLarge((await unary(client, 'UnaryCall', largeRequest())).response);
  },
  async client_compressed_unary() {
    await expectStatus(grpc.status.INVALID_ARGUMENT, unary(client, 'UnaryCall', largeRequest({ expect_compressed: { value: true } })));
    checkLarge((await unary(gzipClient, 'UnaryCall', largeRequest({ expect_compressed: { value: true } }))).response);
    checkLarge((await unary(client, 'UnaryCall', largeRequest({ expect_compressed: { value: false } }))).response);
  },
  async server_compressed_unary() {
    for (const value of [true, false]) {
      checkLarge((await unary(client, 'UnaryCall', largeRequest({ response_compressed: { value } }))).response);
    }
  },
  async client_streaming() {
    const response = await clientStreaming(client, [27182, 8, 1828, 45904].map((size) => ({ payload: zeros(size) })));
    check(response.aggregated_payload_size === 74922, `aggregated size ${response.aggregated_payload_size}`);
  },
  async client_compressed_streaming() {
    const probe = { payload: zeros(27182), expect_compressed: { value: true } };
    await expectStatus(grpc.status.INVALID_ARGUMENT, clientStreaming(client, [probe]));
    const second = { payload: zeros(45904), expect_compressed: { value: false } };
    const response = await clientStreaming(gzipClient, [probe, second], {}, [undefined, NO_COMPRESS]);
    check(response.aggregated_payload_size === 73086, `aggregated size ${response.aggregated_payload_size}`);
  },
  async server_streaming() {
    const sizes = [31415, 9, 2653, 58979];
    const { responses } = await collect(client.StreamingOutputCall(streamingRequest(sizes)));
    check(JSON.stringify(responses.map((r) => r.payload.body.length)) === JSON.stringify(sizes), 'response sizes');
  },
  async server_compressed_streaming() {
    const request = { response_parameters: [{ size: 31415, compressed: { value: true } }, { size: 92653, compressed: { value: false } }] };
    const { responses } = await collect(client.StreamingOutputCall(request));
    check(JSON.stringify(responses.map((r) => r.payload.body.length)) === '[31415,92653]', 'response sizes');
  },
  async ping_pong() {
    const call = client.FullDuplexCall();
    const next = duplex(call);
    for (const [responseSize, payloadSize] of [[31415, 27182], [9, 8], [2653, 1828], [58979, 45904]]) {
      call.write(streamingRequest([responseSize], payloadSize));
      const { data, error } = await next();
      if (error) throw error;
      check(data.payload.body.length === responseSize, `response of ${data.payload.body.length} bytes, not ${responseSize}`);
    }
    call.end();
    const last = await next();
    check(last.end === true, 'more responses than requests');
  },
  async empty_stream() {
    const call = client.FullDuplexCall();
    const result = collect(call);
    call.end();
    check((await result).responses.length === 0, 'responses to an empty stream');
  },
  async timeout_on_sleeping_server() {
    const call = client.FullDuplexCall({ deadline: new Date(Date.now() + 1) });
    const next = duplex(call);
    call.write(streamingRequest([], 27182));
    const { error } = await next();
    check(error && error.code === grpc.status.DEADLINE_EXCEEDED, `expected DEADLINE_EXCEEDED, got ${error && error.code}`);
  },
  async cancel_after_begin() {
    const call = client.StreamingInputCall(() => {});
    const cancelled = new Promise((resolve) => call.on('status', resolve));
    call.cancel();
    const status = await cancelled;
    check(status.code === grpc.status.CANCELLED, `status ${status.code}`);
  },
  async cancel_after_first_response() {
    const call = client.FullDuplexCall();
    const next = duplex(call);
    call.write(streamingRequest([31415], 27182));
    const { data } = await next();
    check(data && data.payload.body.length === 31415, 'first response has the wrong size');
    call.cancel();
    const { error } = await next();
    check(error && error.code === grpc.status.CANCELLED, `expected CANCELLED, got ${error && error.code}`);
  },
  async status_code_and_message(message = 'test status message') {
    const status = { code: 2, message };
    await expectStatus(grpc.status.UNKNOWN, unary(client, 'UnaryCall', { response_status: status }), message);
    const call = client.FullDuplexCall();
    const result = collect(call);
    call.write({ response_status: status });
    call.end();
    await expectStatus(grpc.status.UNKNOWN, result, message);
  },
  async special_status_message() {
    await cases.status_code_and_message(SPECIAL_MESSAGE);
  },
  async custom_metadata() {
    const metadata = () => {
      const md = new grpc.Metadata();
      md.add(...ECHO_INITIAL);
      md.add(...ECHO_TRAILING);
      return md;
    };
    const checkEcho = (initial, trailing) => {
      check(initial.get(ECHO_INITIAL[0])[0] === ECHO_INITIAL[1], `initial metadata ${JSON.stringify(initial.getMap())}`);
      check(Buffer.compare(trailing.get(ECHO_TRAILING[0])[0], ECHO_TRAILING[1]) === 0, 'trailing metadata');
    };
    const result = await unary(client, 'UnaryCall', largeRequest(), metadata());
    checkLarge(result.response);
    checkEcho(result.initial, result.trailing);
    const call = client.FullDuplexCall(metadata());
    const streamed = collect(call);
    call.write(streamingRequest([314159], 271828));
    call.end();
    const { responses, initial, trailing } = await streamed;
    check(responses.length === 1 && responses[0].payload.body.length === 314159, 'duplex response size');
    checkEcho(initial, trailing);
  },
  async unimplemented_method() {
    await expectStatus(grpc.status.UNIMPLEMENTED, unary(client, 'UnimplementedCall', {}));
  },
  async unimplemented_service() {
    await expectStatus(grpc.status.UNIMPLEMENTED, unary(unimplemented, 'UnimplementedCall', {}));
  },
  async health_check() {
    check((await unary(health, 'Check', { service: '' })).response.status === 'SERVING', 'overall status');
    check((await unary(health, 'Check', { service: 'grpc.testing.TestService' })).response.status === 'SERVING', 'TestService status');
    await expectStatus(grpc.status.NOT_FOUND, unary(health, 'Check', { service: 'no.such.Service' }));
  },
  async health_watch() {
    for (const [service, expected] of [['grpc.testing.TestService', 'SERVING'], ['no.such.Service', 'SERVICE_UNKNOWN']]) {
      const call = health.Watch({ service });
      const first = await new Promise((resolve, reject) => { call.on('data', resolve); call.on('error', reject); });
      call.on('error', () => {});
      call.cancel();
      check(first.status === expected, `${service} watched as ${first.status}`);
    }
  },
};

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

(async () => {
  let failed = 0;
  for (const name of args.test_cases.split(',')) {
    try {
      if (!cases[name]) throw new Error('unknown case');
      await withTimeout(cases[name](), 30000);
      console.log(`PASS ${name}`);
    } catch (err) {
      failed += 1;
      console.log(`FAIL ${name}: ${err.code !== undefined ? `status ${err.code}: ${err.details}` : err.message}`);
    }
  }
  [client, gzipClient, unimplemented, health].forEach((c) => c.close());
  process.exit(failed ? 1 : 0);
})();
