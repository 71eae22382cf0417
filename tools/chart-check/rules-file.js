// Keeps helm/hookd/rules/hookd.rules.yaml in step with the chart's templated rules
// (templates/_rules.tpl): the file is the chart's PrometheusRule spec, rendered with the
// default values for release "hookd" in namespace "webhooks", which is what
// `promtool test rules` (helm/tests/rules.test.yaml) exercises. Tests of the file are then
// tests of what the chart installs.
//   node rules-file.js check RENDERED.yaml   exit 1 when the committed file is stale
//   node rules-file.js write RENDERED.yaml   regenerate it
// RENDERED.yaml is `helm template ... --show-only templates/prometheusrule.yaml` (check.sh).
'use strict';
const fs = require('fs');
const path = require('path');
const { repo, loadManifests, ofKind, yaml } = require('./manifests');

const rulesPath = path.join(repo, 'helm/hookd/rules/hookd.rules.yaml');
const [mode, rendered] = process.argv.slice(2);

// A rule's keys in the order people read them (helm's toYaml sorts them).
const order = ['record', 'alert', 'expr', 'for', 'labels', 'annotations'];
function ordered(rule) {
  const out = {};
  for (const key of order) if (key in rule) out[key] = rule[key];
  for (const key of Object.keys(rule)) if (!(key in out)) out[key] = rule[key];
  if (out.annotations) {
    const { summary, description, ...rest } = out.annotations;
    out.annotations = { summary, description, ...rest };
  }
  return out;
}

function generate() {
  const rules = ofKind(loadManifests(rendered), 'PrometheusRule');
  if (rules.length !== 1) throw new Error(`expected one PrometheusRule in ${rendered}, found ${rules.length}`);
  const spec = { groups: rules[0].spec.groups.map((g) => ({ name: g.name, rules: g.rules.map(ordered) })) };
  return '# Generated from helm/hookd/templates/_rules.tpl (release "hookd", namespace "webhooks",\n' +
    '# default values) by scripts/chart/check.sh rules-write; do not edit. promtool checks and\n' +
    '# unit-tests this file (helm/tests/rules.test.yaml); ctest chart.rules checks it is in step.\n' +
    yaml.dump(spec, { lineWidth: -1, noRefs: true });
}

const after = generate();
const before = fs.existsSync(rulesPath) ? fs.readFileSync(rulesPath, 'utf8') : '';
if (mode === 'write') {
  fs.writeFileSync(rulesPath, after);
  console.log(`wrote ${path.relative(repo, rulesPath)}`);
} else if (mode === 'check') {
  if (before !== after) {
    console.error(`${path.relative(repo, rulesPath)} is out of step with templates/_rules.tpl; run: scripts/chart/check.sh rules-write`);
    process.exit(1);
  }
  console.log('rules/hookd.rules.yaml: the chart\'s rendered rules');
} else {
  console.error('usage: rules-file.js check|write RENDERED.yaml');
  process.exit(2);
}
