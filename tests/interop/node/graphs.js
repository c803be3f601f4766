'use strict';
// The graphs the cases send, and what the server must answer for them. The seed examples come from
// src/GraphGrpc.Cli/examples; their answers follow from the seed texts (seed 000's dg/dd is 12d = 282, not
// the 47 its text says).

const fs = require('fs');
const path = require('path');

// More than grpc's 4 MiB default message limit, in float64 elements: 8 MB as packed doubles.
const LARGE_ELEMENTS = 1000000;
// Each side of the large_response outer sum, whose value has SIDE * SIDE elements.
const SIDE = 1000;
// Long enough that the stream of its events is still flowing when the client cancels.
const CHAIN_LENGTH = 20000;

const INVALID_GRAPH = { nodes: [{ id: 'a', inputs: ['b'], neg: {} }, { id: 'b', inputs: ['a'], exp: {} }, { id: 'c', inputs: ['ghost'], log: {} }] };
const INVALID_GRAPH_PROBLEMS = [
  ['c', 'PROBLEM_KIND_UNKNOWN_INPUT', "input 'ghost' is not a node of the graph"],
  ['a', 'PROBLEM_KIND_CYCLE', 'is on a cycle: a -> b -> a'],
];

// Seed 000 at a = 0.5, o = 1: every value and the gradient of g with respect to every node that has one.
const SEED000_VALUES = {
  a: 0.5, o: 1, 2: 2, 3: 3, 5: 5, 6: 6, 7: 7, '3a': 1.5, b: 3.5, '2b': 7, c: 10, '5b': 17.5, d: 23.5, '7c': 70, 'd^2': 552.25, e: 622.25, f: 1244.5, '3f': 3733.5, g: 3732.5,
};
const SEED000_GRADIENTS = {
  g: 1, '3f': 1, f: 3, e: 6, 'd^2': 6, '7c': 6, d: 282, c: 42, '5b': 282, '2b': 42, b: 1494, '3a': -1494, o: -1, a: -4482,
};

// Seed 002, z = log(3x^2 + 5xy) at x = 2, y = 3: z = log 42, dz/dx = (6x + 5y) / 42, dz/dy = 5x / 42.
const SEED002_VALUE = Math.log(42);
const SEED002_GRADIENTS = { x: 27 / 42, y: 10 / 42 };

// Seed 003, L = (x*w + b - y)^2 at x = 2, w = 3, b = 1, y = 5.
const SEED003_VALUE = 4;

// Seed 003 with x varying per point and w = 3, b = 1, y = 5 shared: L and dL/dx per point, and the
// shared gradients summed over the points.
function batchAnswers(x) {
  const residual = x.map((xi) => 3 * xi - 4);
  const sum = (terms) => terms.reduce((total, term) => total + term, 0);
  return {
    L: residual.map((r) => r * r),
    x: residual.map((r) => 6 * r),
    w: sum(residual.map((r, i) => 2 * r * x[i])),
    b: sum(residual.map((r) => 2 * r)),
    y: sum(residual.map((r) => -2 * r)),
  };
}

const snakeCase = (name) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
// The fields of graph.proto that are wrapper messages (google.protobuf.DoubleValue, Int32Value).
const WRAPPER_FIELDS = new Set(['exponent', 'axis']);

// A graph file's protobuf JSON as the objects proto-loader takes: protobufjs maps neither JSON's
// camelCase names (with keepCase) nor a bare number to a wrapper message.
function fromProtoJson(value) {
  if (Array.isArray(value)) return value.map(fromProtoJson);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => {
    const field = snakeCase(key);
    return [field, WRAPPER_FIELDS.has(field) ? { value: item } : fromProtoJson(item)];
  }));
}

function seed(repoRoot, name) {
  const file = path.join(repoRoot, 'src/GraphGrpc.Cli/examples', `${name}.json`);
  return fromProtoJson(JSON.parse(fs.readFileSync(file, 'utf8')));
}

const input = (id, shape, values) => ({ id, input: { value: { shape, values } } });
const range = (n, f = (i) => i) => Array.from({ length: n }, (_, i) => f(i));

// t = sum(x) for x = 0, 1, ..., LARGE_ELEMENTS - 1: a request over 4 MiB, a one-number answer.
const largeLeafSum = () => ({ nodes: [input('x', [LARGE_ELEMENTS], range(LARGE_ELEMENTS)), { id: 't', inputs: ['x'], sum: {} }] });

// s = a + b broadcast from a[i] = i (SIDE x 1) and b[j] = SIDE * j (1 x SIDE), t = sum(s): a small
// request whose value s is over 4 MiB.
const outerSum = () => ({
  nodes: [
    input('a', [SIDE, 1], range(SIDE)),
    input('b', [1, SIDE], range(SIDE, (j) => SIDE * j)),
    { id: 's', inputs: ['a', 'b'], add: {} },
    { id: 't', inputs: ['s'], sum: {} },
  ],
});

// x = 1 negated CHAIN_LENGTH times: many events on the Evaluate stream.
const chain = () => ({ nodes: [input('n0', [], [1]), ...range(CHAIN_LENGTH, (i) => ({ id: `n${i + 1}`, inputs: [`n${i}`], neg: {} }))] });

module.exports = {
  LARGE_ELEMENTS, SIDE, CHAIN_LENGTH, INVALID_GRAPH, INVALID_GRAPH_PROBLEMS, SEED000_VALUES, SEED000_GRADIENTS,
  SEED002_VALUE, SEED002_GRADIENTS, SEED003_VALUE, batchAnswers, seed, largeLeafSum, outerSum, chain,
};
