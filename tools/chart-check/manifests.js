// Reading rendered manifests (helm template output) and the repository files they refer to.
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');

const repo = path.resolve(__dirname, '../..');

function loadManifests(file) {
  return yaml.loadAll(fs.readFileSync(file, 'utf8')).filter((doc) => doc && typeof doc === 'object');
}

function ofKind(objects, kind) {
  return objects.filter((o) => o.kind === kind);
}

// The ConfigMap holding hookd.yaml (the one with that key), parsed.
function hookdConfig(objects) {
  const maps = ofKind(objects, 'ConfigMap').filter((m) => m.data && 'hookd.yaml' in m.data);
  if (maps.length !== 1) throw new Error(`expected one ConfigMap with hookd.yaml, found ${maps.length}`);
  return { configMap: maps[0], text: maps[0].data['hookd.yaml'], config: yaml.load(maps[0].data['hookd.yaml']) || {} };
}

// hookd's duration syntax (docs/configuration.md) in seconds.
function durationSeconds(text) {
  const match = /^0*([0-9]+)(ms|s|m|h)$/.exec(String(text));
  if (!match) throw new Error(`not a hookd duration: ${text}`);
  const n = Number(match[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600 }[match[2]];
}

module.exports = { repo, loadManifests, ofKind, hookdConfig, durationSeconds, yaml };
