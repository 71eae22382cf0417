// Writes the hookd.yaml of each rendered manifest file to OUT/<name>.hookd.yaml, for
// `hookd --check-config` (scripts/chart/check.sh config).
//   node extract-config.js OUT RENDERED.yaml...
'use strict';
const fs = require('fs');
const path = require('path');
const { loadManifests, hookdConfig } = require('./manifests');

const [out, ...files] = process.argv.slice(2);
for (const file of files) {
  const { text } = hookdConfig(loadManifests(file));
  const target = path.join(out, `${path.basename(file, '.yaml')}.hookd.yaml`);
  fs.writeFileSync(target, text);
  console.log(`${path.basename(file)} -> ${target}`);
}
