// tests/events/asyncapi_check.js - parse an AsyncAPI document with @asyncapi/parser
//
// usage: node asyncapi_check.js FILE
// Prints every diagnostic as "<severity> <path> <message>" and exits 1 when
// the document does not parse or any diagnostic is an error (severity 0).
// Run with NODE_PATH=$HF_TEST_EVENTS_NODE_MODULES (tests/events/README.md).
'use strict';
const fs = require('fs');
const { Parser } = require('@asyncapi/parser');

const NAMES = ['error', 'warning', 'information', 'hint'];

async function main() {
  const text = fs.readFileSync(process.argv[2], 'utf8');
  const { document, diagnostics } = await new Parser().parse(text);
  let errors = 0;
  for (const d of diagnostics) {
    if (d.severity === 0) errors++;
    console.log(`${NAMES[d.severity] || d.severity} ${d.path.join('/')} ${d.code}: ${d.message}`);
  }
  if (!document || errors) {
    console.log(`FAILED: ${errors} error(s)${document ? '' : ', no document'}`);
    process.exit(1);
  }
  console.log(`OK: AsyncAPI ${document.version()}, ${document.channels().length} channels`);
}

main().catch((e) => { console.log(`FAILED: ${e.stack || e}`); process.exit(1); });
