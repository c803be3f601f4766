'use strict';
// graphgrpc.v1.GraphEvaluator from @grpc/grpc-js (a pure JavaScript gRPC), case by case.
// Usage: node evaluator_client.js --server_port=PORT --repo_root=DIR --test_cases=a,b,c
// Prints "PASS name" or "FAIL name: reason" per case; exits 1 if any case failed.

const protos = require('./protos');
const { Cases, NAMES } = require('./cases');

const CASE_TIME_LIMIT_MS = 60000;

const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [key, ...rest] = arg.replace(/^--/, '').split('=');
  return [key, rest.join('=')];
}));

function withTimeLimit(promise, ms) {
  let timer;
  const limit = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`did not finish in ${ms / 1000} s`)), ms); });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

(async () => {
  const cases = new Cases(protos.load(args.repo_root), args.repo_root, `127.0.0.1:${args.server_port}`);
  let failed = false;
  for (const name of args.test_cases.split(',')) {
    try {
      if (!NAMES.includes(name)) throw new Error(`unknown case ${name}`);
      await withTimeLimit(cases[name](), CASE_TIME_LIMIT_MS);
      console.log(`PASS ${name}`);
    } catch (error) {
      failed = true;
      console.log(`FAIL ${name}: ${error.code !== undefined ? `unexpected status ${error.code}: ${error.details}` : error.message}`);
    }
  }
  cases.close();
  process.exit(failed ? 1 : 0);
})();
