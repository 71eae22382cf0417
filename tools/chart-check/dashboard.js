// Checks helm/hookd/dashboards/hookd.json without Grafana: its shape (a Prometheus datasource
// variable every query uses, the cluster/namespace/job/instance variables, the panels
// operations.md describes, unique ids, a 24-column grid without overlaps), that every selector of
// every query is scoped to the cluster, namespace and release (job, or for the pods' cAdvisor and
// kube-state-metrics series the release's pod names), that failure panels link to how to find
// the webhook, and writes every query as a recording rule, so `promtool check rules` parses each
// expression.
//   node dashboard.js DASHBOARD.json OUT.rules.yaml
'use strict';
const fs = require('fs');
const { yaml } = require('./manifests');
const { withoutGrafanaVariables, metricNames, vectorSelectors } = require('./promql');

const [dashboardPath, outPath] = process.argv.slice(2);
const dashboard = JSON.parse(fs.readFileSync(dashboardPath, 'utf8'));
let failures = 0;
function check(what, condition) {
  if (!condition) {
    failures += 1;
    console.log(`FAIL ${what}`);
  }
}

const variables = dashboard.templating.list;
const datasource = variables.find((v) => v.type === 'datasource');
check('a datasource variable of type prometheus', datasource && datasource.query === 'prometheus');
const dsRef = datasource ? `\${${datasource.name}}` : null;
check('uid set', typeof dashboard.uid === 'string' && dashboard.uid.length > 0);

// The variables every query is scoped by, each scoped by the ones before it; the docs link's.
const byName = new Map(variables.map((v) => [v.name, v]));
const queryOf = (v) => (v && (typeof v.query === 'string' ? v.query : (v.query || {}).query)) || '';
const chain = [['cluster', 'cluster=~"$cluster"'], ['namespace', 'namespace="$namespace"'], ['job', 'job="$job"'], ['instance', null]];
chain.forEach(([name], i) => {
  const v = byName.get(name);
  check(`variable ${name} (a label_values query)`, v && v.type === 'query');
  for (const [earlier, matcher] of chain.slice(0, i)) {
    check(`variable ${name} is scoped by ${earlier}`, queryOf(v).includes(matcher));
  }
});
check('variable docs (a constant: the URL of docs/operations.md)', byName.has('docs') && byName.get('docs').type === 'constant');

// What operations.md's "Reading the dashboard" promises.
const required = [
  'Deliveries per second by result', 'Success ratio', 'Event to delivery (first attempt)',
  'Event to delivery (after retries)', 'HTTP duration', 'In flight', 'Retries by tier',
  'Retry backlog by tier', 'Retry lateness', 'Dead letters by reason', 'Consumer lag by events topic', 'Snapshot size', 'Workers ready',
  'Invalid events', 'Invalid subscriptions', 'Retries dropped by reason', 'Readiness by worker',
  'Kafka reachable by worker', 'Consumer groups joined', 'Partitions per worker (rebalances)', 'Version',
  'CPU by pod', 'Memory by pod', 'Restarts by pod',
];
// Panels of failures: each links to how to find the webhook (hookd attempts / explain).
const failurePanels = [
  'Success ratio', 'Deliveries per second by result', 'Event to delivery (after retries)', 'Retries by tier',
  'Dead letters by reason', 'Retries dropped by reason', 'Webhooks by status', 'Open breakers by worker',
  'Breaker transitions', 'Deferred deliveries by reason', 'Invalid events',
];
const findTheWebhook = '${docs}#finding-a-webhooks-attempts';
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const titles = new Set(panels.map((p) => p.title));
for (const title of required) check(`panel "${title}"`, titles.has(title));
const ids = dashboard.panels.map((p) => p.id);
check('panel ids unique', new Set(ids).size === ids.length);
for (const title of failurePanels) {
  const panel = panels.find((p) => p.title === title);
  check(`failure panel "${title}" links to ${findTheWebhook}`, panel && (panel.links || []).some((l) => l.url === findTheWebhook));
  check(`failure panel "${title}" says how to find the webhook`, panel && /hookd attempts/.test(panel.description || ''));
}
// No two panels on the same grid cells (Grafana would push one down, out of its row).
const cells = new Map();
for (const p of dashboard.panels) {
  for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y += 1) {
    for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x += 1) {
      const other = cells.get(`${x},${y}`);
      if (other !== undefined) check(`panels "${other}" and "${p.title}" overlap at x ${x}, y ${y}`, false);
      cells.set(`${x},${y}`, p.title);
    }
  }
}

// Scope: hookd's series by {cluster, namespace, job}; the pods' cAdvisor and kube-state-metrics
// series (scraped under other jobs) by {cluster, namespace} and the release's pod names, which
// are the Deployment's, named as the Service (the job).
const podMetrics = /^(container_|kube_pod_)/;
function scopeProblems(expr) {
  const problems = [];
  for (const selector of vectorSelectors(expr)) {
    const name = (/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(selector) || [''])[0];
    const wanted = ['cluster=~"$cluster"', 'namespace="$namespace"',
      podMetrics.test(name) ? 'pod=~"$job-[a-z0-9]+-[a-z0-9]+"' : 'job="$job"'];
    for (const matcher of wanted) if (!selector.includes(matcher)) problems.push(`${selector} lacks ${matcher}`);
  }
  return problems;
}

const rules = [];
for (const panel of panels) {
  check(`panel "${panel.title}" uses the datasource variable`, panel.datasource && panel.datasource.uid === dsRef);
  check(`panel "${panel.title}" fits the 24-column grid`, panel.gridPos.x + panel.gridPos.w <= 24);
  check(`panel "${panel.title}" has a description`, typeof panel.description === 'string' && panel.description.length > 0);
  check(`panel "${panel.title}" has queries`, panel.targets && panel.targets.length > 0);
  for (const target of panel.targets || []) {
    check(`panel "${panel.title}" ${target.refId} uses the datasource variable`, target.datasource && target.datasource.uid === dsRef);
    for (const problem of scopeProblems(target.expr)) check(`panel "${panel.title}" ${target.refId}: ${problem}`, false);
    const expr = withoutGrafanaVariables(target.expr);
    check(`panel "${panel.title}" ${target.refId}: no Grafana variable left in ${expr}`, !expr.includes('$'));
    try {
      check(`panel "${panel.title}" ${target.refId} selects a metric`, metricNames(expr).length > 0);
    } catch (error) {
      check(`panel "${panel.title}" ${target.refId}: ${error.message}`, false);
    }
    rules.push({ record: `dashboard:panel${panel.id}:${target.refId.toLowerCase()}`, expr });
  }
}
for (const variable of variables.filter((v) => v.type === 'query')) {
  const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
  const match = /^label_values\((.+),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(query);
  check(`variable ${variable.name}: label_values(selector, label)`, match);
  if (match) rules.push({ record: `dashboard:variable:${variable.name}`, expr: match[1] });
}

fs.writeFileSync(outPath, `# Generated by tools/chart-check/dashboard.js from ${dashboardPath}\n` +
  yaml.dump({ groups: [{ name: 'dashboard', rules }] }, { lineWidth: -1 }));
console.log(`${rules.length} dashboard queries written as recording rules to ${outPath}`);
process.exit(failures ? 1 : 0);
