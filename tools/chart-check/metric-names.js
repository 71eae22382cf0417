// Every metric the dashboard and the alert rules select exists in hookd's real /metrics output
// (saved by scripts/chart/live-metrics.sh from a running hookd). A name counts only when the
// exposition has a sample of it, not just a # TYPE line. Prometheus' own `up`, the pods' series
// of cAdvisor (container_*) and kube-state-metrics (kube_*) the dashboard's pod panels read, and
// the rules' recorded series (level:metric:operation names) are not hookd's.
//   node metric-names.js METRICS.txt DASHBOARD.json RULES.yaml
'use strict';
const fs = require('fs');
const { yaml } = require('./manifests');
const { withoutGrafanaVariables, metricNames } = require('./promql');

const [metricsPath, dashboardPath, rulesPath] = process.argv.slice(2);

const sampled = new Set();
const typed = new Map();
for (const line of fs.readFileSync(metricsPath, 'utf8').split('\n')) {
  const type = /^# TYPE (\S+) (\S+)/.exec(line);
  if (type) typed.set(type[1], type[2]);
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
  if (sample) sampled.add(sample[1]);
}
if (!sampled.size) throw new Error(`${metricsPath} holds no samples`);

const wanted = new Map(); // name -> where it is used
function want(name, where) {
  if (!wanted.has(name)) wanted.set(name, new Set());
  wanted.get(name).add(where);
}
const dashboard = JSON.parse(fs.readFileSync(dashboardPath, 'utf8'));
for (const panel of dashboard.panels) {
  for (const target of panel.targets || []) {
    for (const name of metricNames(withoutGrafanaVariables(target.expr))) want(name, `dashboard "${panel.title}"`);
  }
}
for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
  const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
  const selector = /^label_values\((.+),\s*\w+\)$/.exec(query);
  if (selector) for (const name of metricNames(selector[1])) want(name, `dashboard variable ${variable.name}`);
}
const recorded = new Set();
const rules = yaml.load(fs.readFileSync(rulesPath, 'utf8'));
for (const group of rules.groups) {
  for (const rule of group.rules) {
    if (rule.record) recorded.add(rule.record);
    for (const name of metricNames(rule.expr)) want(name, rule.alert ? `alert ${rule.alert}` : `rule ${rule.record}`);
  }
}

let failures = 0;
for (const [name, uses] of [...wanted].sort()) {
  const where = [...uses].join(', ');
  if (name === 'up') {
    console.log(`skip ${name} (Prometheus' own): ${where}`);
  } else if (/^(container_|kube_)/.test(name)) {
    console.log(`skip ${name} (cAdvisor or kube-state-metrics): ${where}`);
  } else if (recorded.has(name)) {
    console.log(`skip ${name} (recorded by the rules): ${where}`);
  } else if (sampled.has(name)) {
    console.log(`ok   ${name}: ${where}`);
  } else {
    failures += 1;
    const hint = typed.has(name) ? ' (declared by # TYPE but no sample)' : '';
    console.log(`FAIL ${name}${hint} is not in hookd's /metrics: ${where}`);
  }
}
console.log(`${wanted.size} metric names checked against ${sampled.size} sampled names in ${metricsPath}`);
process.exit(failures ? 1 : 0);
