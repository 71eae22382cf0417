// Every alert of the rule file has a runbook section in docs/operations.md (its absolute
// `runbook_url` annotation ends in the heading's anchor, after prometheusRule.runbookBaseUrl)
// and at least one promtool unit test in helm/tests/rules.test.yaml that expects it to fire.
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
  const runbook = alert.annotations && alert.annotations.runbook_url;
  const anchor = runbook && /^https?:\/\/[^#]+#[^#]+$/.test(runbook) ? runbook.split('#')[1] : null;
  const problems = [];
  if (!anchor) problems.push('no absolute runbook_url annotation https://...#anchor');
  else if (anchor !== alert.alert.toLowerCase()) problems.push(`runbook_url anchor #${anchor} is not the alert's name in lower case`);
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
