// Keeps helm/hookd/values.schema.json's `config` in step with schemas/config.schema.json, so one
// schema says what hookd.yaml may hold and a typo in the chart's config values fails at helm time.
//   node values-schema.js check   exit 1 (with a diff hint) when the committed file is stale
//   node values-schema.js write   regenerate it
// Helm 3.17 validates draft-07, so the draft 2020-12 config schema is converted: $defs become
// definitions, $id/$schema go. admin is left out: the chart owns admin.listen (adminPort).
// Definitions whose names start with "chart" are the chart's own and are kept as written.
'use strict';
const fs = require('fs');
const path = require('path');
const assert = require('assert');

const repo = path.resolve(__dirname, '../..');
const valuesSchemaPath = path.join(repo, 'helm/hookd/values.schema.json');
const configSchemaPath = path.join(repo, 'schemas/config.schema.json');

function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = key === '$ref' ? value.replace('#/$defs/', '#/definitions/') : rewriteRefs(value);
    }
    return out;
  }
  return node;
}

function generate(current) {
  const config = JSON.parse(fs.readFileSync(configSchemaPath, 'utf8'));
  const properties = { ...config.properties };
  delete properties.admin;
  const configValue = rewriteRefs({
    description: 'hookd.yaml (docs/configuration.md), generated from schemas/config.schema.json without admin (set from adminPort). delivery.ca_file is set by the chart when caBundle is used.',
    type: 'object',
    additionalProperties: false,
    properties,
  });
  const definitions = {};
  for (const [name, def] of Object.entries(current.definitions || {})) {
    if (name.startsWith('chart')) definitions[name] = def;
  }
  for (const [name, def] of Object.entries(config.$defs || {})) {
    assert(!name.startsWith('chart'), `config schema definition ${name} clashes with the chart's prefix`);
    definitions[name] = rewriteRefs(def);
  }
  const next = { ...current, definitions, properties: { ...current.properties, config: configValue } };
  const text = JSON.stringify(next, null, 2) + '\n';
  if (text.includes('$defs') || text.includes('2020-12')) throw new Error('draft 2020-12 left in the generated schema');
  return text;
}

const mode = process.argv[2];
const before = fs.readFileSync(valuesSchemaPath, 'utf8');
const after = generate(JSON.parse(before));
if (mode === 'write') {
  fs.writeFileSync(valuesSchemaPath, after);
  console.log(`wrote ${path.relative(repo, valuesSchemaPath)}`);
} else if (mode === 'check') {
  if (before !== after) {
    console.error(`${path.relative(repo, valuesSchemaPath)} is out of step with schemas/config.schema.json;` +
      ' run: scripts/chart/node.sh values-schema.js write');
    process.exit(1);
  }
  console.log('values.schema.json: config section matches schemas/config.schema.json');
} else {
  console.error('usage: values-schema.js check|write');
  process.exit(2);
}
