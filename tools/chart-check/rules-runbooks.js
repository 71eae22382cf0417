// Every alert of the rule file has a runbook section in docs/operations.md (its `runbook`
// annotation names the heading's anchor) and at least one promtool unit test in
// helm/tests/rules.test.yaml.
//   node rules-runbooks.js RULES.yaml OPERATIONS.md
'use strict';
const fs = require('fs');
const path = require('path');
const { repo, yaml } = require('./manifests');

const [rulesPath, docPath] = process.argv.slice(2);
const rules = yaml.load(fs.readFileSync(rulesPath, 'utf8'));
const doc = fs.readFileSync(docPath, 'utf8');
const tests = yaml.load(fs.readFileSync(path.join(repo, 'helm/tests/rules.test.yaml'), 'utf8'));

// GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes.
const anchors = new Set(doc.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) =>
  l.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
const tested = new Set();
for (const test of tests.tests) {
  for (const t of test.alert_rule_test || []) if ((t.exp_alerts || []).length) tested.add(t.alertname);
}

let failures = 0;
const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
for (const alert of alerts) {
  const runbook = alert.annotations && alert.annotations.runbook;
  const anchor = runbook && runbook.startsWith('docs/operations.md#') ? runbook.split('#')[1] : null;
  const problems = [];
  if (!anchor) problems.push('no runbook annotation docs/operations.md#...');
  else if (!anchors.has(anchor)) problems.push(`docs/operations.md has no heading for #${anchor}`);
  if (!tested.has(alert.alert)) problems.push('no unit test in helm/tests/rules.test.yaml expects it to fire');
  if (!alert.labels || !['warning', 'critical'].includes(alert.labels.severity)) problems.push('severity label warning or critical');
  if (problems.length) {
    failures += 1;
    console.log(`FAIL ${alert.alert}: ${problems.join('; ')}`);
  } else {
    console.log(`ok   ${alert.alert}: runbook #${anchor}, unit-tested`);
  }
}
process.exit(failures ? 1 : 0);
