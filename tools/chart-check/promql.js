// PromQL helpers on @prometheus-io/lezer-promql 0.42 (the grammar of Prometheus 2.42, whose
// promtool the checks use): Grafana variables replaced, metric names extracted.
'use strict';
const { parser } = require('@prometheus-io/lezer-promql');

// Grafana's built-in and dashboard variables, as a rule evaluated by Prometheus would see them.
function withoutGrafanaVariables(expr) {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range|\$\{__rate_interval\}|\$\{__interval\}|\$\{__range\}/g, '5m')
    .replace(/\$\{?(instance|namespace|job|cluster)\}?/g, '.*');
}

// Metric names an expression selects: the identifier of each vector selector, and __name__
// matchers. Throws on a parse error (the tree holds an error node).
function metricNames(expr) {
  const tree = parser.parse(expr);
  const names = new Set();
  let error = null;
  tree.iterate({
    enter(node) {
      if (node.type.isError && !error) error = `parse error at ${node.from} in: ${expr}`;
      if (node.name === 'VectorSelector') {
        const first = node.node.firstChild;
        if (first && (first.name === 'Identifier' || first.name === 'MetricIdentifier')) {
          names.add(expr.slice(first.from, first.to));
        }
      }
    },
  });
  if (error) throw new Error(error);
  for (const m of expr.matchAll(/__name__\s*=\s*"([^"]+)"/g)) names.add(m[1]);
  return [...names];
}

// The text of every vector selector of an expression (`up{job="x"}`, `hookd_ready`), to check
// what each one selects on.
function vectorSelectors(expr) {
  const out = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name === 'VectorSelector') out.push(expr.slice(node.from, node.to));
    },
  });
  return out;
}

module.exports = { withoutGrafanaVariables, metricNames, vectorSelectors };
