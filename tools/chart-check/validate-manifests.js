// Validates rendered chart output: every object against its Kubernetes, KEDA or
// prometheus-operator model (types and required fields), then what the models cannot see —
// the hookd-specific rules of the chart (probes, hardening, config wiring, scaling, monitoring).
//   node validate-manifests.js RENDERED.yaml...     (scripts/chart/check.sh manifests)
'use strict';
const fs = require('fs');
const path = require('path');
const { repo, loadManifests, ofKind, hookdConfig, durationSeconds, yaml } = require('./manifests');
const { vectorSelectors } = require('./promql');

// apiVersion/kind -> model module. Anything the chart renders must be listed here.
const models = {
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'keda.sh/v1alpha1/ScaledObject': '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
  'keda.sh/v1alpha1/TriggerAuthentication': '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication',
  'monitoring.coreos.com/v1/ServiceMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
};

let failures = 0;
function check(file, what, condition, detail = '') {
  if (condition) return;
  failures += 1;
  console.log(`FAIL ${file}: ${what}${detail ? ` (${detail})` : ''}`);
}

function validateModel(file, object) {
  const key = `${object.apiVersion}/${object.kind}`;
  const modulePath = models[key];
  check(file, `${key} has a model`, modulePath);
  if (!modulePath) return;
  const Model = require(modulePath)[object.kind];
  try {
    new Model(object).validate();
  } catch (error) {
    check(file, `${key} ${object.metadata && object.metadata.name} is valid`, false, error.message);
  }
}

function matches(selector, labels) {
  return Object.entries(selector || {}).every(([k, v]) => labels && labels[k] === v);
}

// The UID the image runs as (Dockerfile's USER), which the pod's runAsUser must equal.
function dockerfileUid() {
  const text = fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
  const users = [...text.matchAll(/^USER\s+(\d+)(?::\d+)?\s*$/gm)].map((m) => Number(m[1]));
  return users.length ? users[users.length - 1] : undefined;
}

function checkDeployment(file, objects) {
  const deployments = ofKind(objects, 'Deployment');
  check(file, 'exactly one Deployment', deployments.length === 1);
  const deployment = deployments[0];
  if (!deployment) return;
  const pod = deployment.spec.template;
  const podSpec = pod.spec;
  const containers = podSpec.containers;
  check(file, 'one container', containers.length === 1);
  const c = containers[0];
  const { config, text: configText } = hookdConfig(objects);

  // Image: a fixed version or a digest, never latest or untagged.
  const image = c.image;
  const digest = image.includes('@sha256:');
  const tag = digest ? null : image.slice(image.lastIndexOf(':') + 1);
  check(file, `image ${image} names a version`, digest || (image.lastIndexOf(':') > image.lastIndexOf('/') && tag && tag !== 'latest'));

  // Command: hookd --config on the mounted ConfigMap.
  check(file, 'args are --config /etc/hookd/hookd.yaml', JSON.stringify(c.args) === '["--config","/etc/hookd/hookd.yaml"]');
  const configMount = (c.volumeMounts || []).find((m) => m.mountPath === '/etc/hookd/hookd.yaml');
  const configVolume = configMount && podSpec.volumes.find((v) => v.name === configMount.name);
  check(file, 'hookd.yaml mounted from the chart ConfigMap',
    configVolume && configVolume.configMap && configMount.subPath === 'hookd.yaml');

  // Probes on the admin port, which is where hookd listens.
  const adminPort = c.ports.find((p) => p.name === 'admin');
  check(file, 'container port named admin', adminPort);
  const listen = config.admin && config.admin.listen;
  check(file, `admin.listen ${listen} uses the admin port`, adminPort && listen === `0.0.0.0:${adminPort.containerPort}`);
  const probe = (p, pathName) => p && p.httpGet && p.httpGet.path === pathName && p.httpGet.port === 'admin';
  check(file, 'liveness probe GET /healthz on admin', probe(c.livenessProbe, '/healthz'));
  check(file, 'readiness probe GET /readyz on admin', probe(c.readinessProbe, '/readyz'));
  check(file, 'startup probe GET /readyz on admin', probe(c.startupProbe, '/readyz'));

  // Hardening.
  const sc = c.securityContext || {};
  const psc = podSpec.securityContext || {};
  check(file, 'runAsNonRoot', sc.runAsNonRoot === true && psc.runAsNonRoot === true);
  check(file, 'readOnlyRootFilesystem', sc.readOnlyRootFilesystem === true);
  check(file, 'allowPrivilegeEscalation false', sc.allowPrivilegeEscalation === false);
  check(file, 'capabilities drop ALL', sc.capabilities && JSON.stringify(sc.capabilities.drop) === '["ALL"]' && !sc.capabilities.add);
  check(file, 'seccomp RuntimeDefault', (sc.seccompProfile || psc.seccompProfile || {}).type === 'RuntimeDefault');
  check(file, 'privileged not set', !sc.privileged);
  const uid = dockerfileUid();
  check(file, `runAsUser ${psc.runAsUser} is the Dockerfile's USER ${uid}`, uid !== undefined && psc.runAsUser === uid);
  const tmpMount = (c.volumeMounts || []).find((m) => m.mountPath === '/tmp');
  const tmpVolume = tmpMount && podSpec.volumes.find((v) => v.name === tmpMount.name);
  check(file, 'emptyDir at /tmp', tmpVolume && tmpVolume.emptyDir);
  check(file, 'no service account token', podSpec.automountServiceAccountToken === false);

  // Resources with requests and limits.
  const r = c.resources || {};
  for (const kind of ['requests', 'limits']) {
    check(file, `resources.${kind} cpu and memory`, r[kind] && r[kind].cpu !== undefined && r[kind].memory !== undefined);
  }

  // Grace: the kubelet waits longer than hookd's own drain.
  const grace = durationSeconds((config.shutdown && config.shutdown.grace_period) || '15s');
  check(file, `terminationGracePeriodSeconds ${podSpec.terminationGracePeriodSeconds} > shutdown.grace_period ${grace}s`,
    podSpec.terminationGracePeriodSeconds > grace);

  // Config change rolls the pods.
  const checksum = pod.metadata.annotations && pod.metadata.annotations['checksum/config'];
  check(file, 'checksum/config annotation', /^[0-9a-f]{64}$/.test(checksum || ''));

  // Every ${VAR} in hookd.yaml has an env var; the SASL password comes from a Secret.
  const env = new Map((c.env || []).map((e) => [e.name, e]));
  for (const match of configText.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    check(file, `env ${match[1]} set for hookd.yaml's \${${match[1]}}`, env.has(match[1]));
  }
  // Static membership named after the pod: stable across container restarts, distinct per pod.
  const instanceId = config.kafka && config.kafka.instance_id;
  if (instanceId === '${HOOKD_POD_NAME}') {
    const pod = env.get('HOOKD_POD_NAME');
    check(file, 'HOOKD_POD_NAME from the pod name',
      pod && pod.valueFrom && pod.valueFrom.fieldRef && pod.valueFrom.fieldRef.fieldPath === 'metadata.name');
  }
  const props = (config.kafka && config.kafka.properties) || {};
  if ('sasl.password' in props) {
    check(file, 'sasl.password is an env reference', props['sasl.password'] === '${HOOKD_KAFKA_PASSWORD}');
    const pw = env.get('HOOKD_KAFKA_PASSWORD');
    check(file, 'HOOKD_KAFKA_PASSWORD from a Secret', pw && pw.valueFrom && pw.valueFrom.secretKeyRef && pw.valueFrom.secretKeyRef.name);
  }
  check(file, 'no literal secret in hookd.yaml', !/password:\s*(?!\$\{)\S/.test(configText));

  // CA bundle: delivery.ca_file is a file of a mounted Secret or ConfigMap volume.
  const caFile = config.delivery && config.delivery.ca_file;
  if (caFile) {
    const mount = (c.volumeMounts || []).find((m) => caFile.startsWith(`${m.mountPath}/`));
    const volume = mount && podSpec.volumes.find((v) => v.name === mount.name);
    const source = volume && (volume.secret || volume.configMap);
    const key = caFile.slice(mount ? mount.mountPath.length + 1 : 0);
    check(file, `delivery.ca_file ${caFile} is mounted from a Secret or ConfigMap`,
      source && (source.items || []).some((i) => i.path === key));
  }

  // Kafka TLS: each ssl.*.location is a file of a mounted Secret (a projected volume's item).
  for (const property of ['ssl.ca.location', 'ssl.certificate.location', 'ssl.key.location']) {
    const location = props[property];
    if (!location) continue;
    const mount = (c.volumeMounts || []).find((m) => location.startsWith(`${m.mountPath}/`));
    const volume = mount && podSpec.volumes.find((v) => v.name === mount.name);
    const key = location.slice(mount ? mount.mountPath.length + 1 : 0);
    const items = volume ? (volume.projected ? volume.projected.sources.flatMap((s) => (s.secret ? s.secret.items || [] : []))
      : volume.secret ? volume.secret.items || [] : []) : [];
    check(file, `${property} ${location} is a file mounted from a Secret`, items.some((i) => i.path === key));
    check(file, `${property} set with security.protocol SSL or SASL_SSL`, /^(SSL|SASL_SSL)$/.test(props['security.protocol'] || ''));
  }
  check(file, 'ssl.certificate.location and ssl.key.location come together',
    !props['ssl.certificate.location'] === !props['ssl.key.location']);
  check(file, 'checksum/secrets annotation', /^[0-9a-f]{64}$/.test((pod.metadata.annotations || {})['checksum/secrets'] || ''));
  for (const m of c.volumeMounts || []) {
    check(file, `volume mount ${m.name} has a volume`, podSpec.volumes.some((v) => v.name === m.name));
  }

  // Placement: soft only (a small cluster still schedules every pod), and every term selects
  // this release's pods.
  const podLabels = pod.metadata.labels;
  const anti = (podSpec.affinity && podSpec.affinity.podAntiAffinity) || {};
  check(file, 'no required pod anti-affinity (soft placement)', !anti.requiredDuringSchedulingIgnoredDuringExecution);
  for (const term of anti.preferredDuringSchedulingIgnoredDuringExecution || []) {
    check(file, `anti-affinity on ${term.podAffinityTerm.topologyKey} selects the pods`,
      matches(term.podAffinityTerm.labelSelector.matchLabels, podLabels));
  }
  for (const spread of podSpec.topologySpreadConstraints || []) {
    check(file, `topology spread on ${spread.topologyKey} is ScheduleAnyway`, spread.whenUnsatisfiable === 'ScheduleAnyway');
    check(file, `topology spread on ${spread.topologyKey} selects the pods`, matches(spread.labelSelector.matchLabels, podLabels));
  }
  check(file, 'pods spread over nodes or zones',
    (anti.preferredDuringSchedulingIgnoredDuringExecution || []).length + (podSpec.topologySpreadConstraints || []).length > 0);
  return deployment;
}

function checkScaling(file, objects, deployment) {
  const hpas = ofKind(objects, 'HorizontalPodAutoscaler');
  const scaled = ofKind(objects, 'ScaledObject');
  check(file, 'never both an HPA and a KEDA ScaledObject', !(hpas.length && scaled.length));
  if (!deployment) return;
  const autoscaled = hpas.length + scaled.length > 0;
  check(file, autoscaled ? 'no replicas when autoscaled' : 'replicas set when not autoscaled',
    autoscaled ? deployment.spec.replicas === undefined : deployment.spec.replicas >= 1);
  const { config } = hookdConfig(objects);
  for (const so of scaled) {
    check(file, 'ScaledObject targets the Deployment', so.spec.scaleTargetRef.name === deployment.metadata.name);
    const events = (config.topics && config.topics.events) || ['blue.events'];
    const topics = so.spec.triggers.map((t) => t.metadata.topic).sort();
    check(file, 'one kafka trigger per events topic', JSON.stringify(topics) === JSON.stringify([...events].sort()));
    for (const t of so.spec.triggers) {
      check(file, 'kafka trigger', t.type === 'kafka');
      check(file, 'trigger consumerGroup is kafka.group_id', t.metadata.consumerGroup === ((config.kafka && config.kafka.group_id) || 'hookd'));
      check(file, 'trigger metadata values are strings', Object.values(t.metadata).every((v) => typeof v === 'string'));
      check(file, 'no retry tier as a trigger', !/\.retry\./.test(t.metadata.topic));
    }
    // The cap at scaling.partitions is checked in check.sh template (values decide it).
    // Scale-down stepwise (cooldownPeriod does nothing while minReplicas >= 1), and a fallback
    // while the scaler fails.
    const behavior = so.spec.advanced && so.spec.advanced.horizontalPodAutoscalerConfig
      && so.spec.advanced.horizontalPodAutoscalerConfig.behavior;
    checkScaleDown(file, 'ScaledObject', behavior && behavior.scaleDown);
    const fallback = so.spec.fallback;
    check(file, 'ScaledObject fallback between minReplicaCount and maxReplicaCount',
      fallback && fallback.failureThreshold >= 1 && fallback.replicas >= so.spec.minReplicaCount && fallback.replicas <= so.spec.maxReplicaCount);
    // Kafka with SASL or TLS: the scaler authenticates (a rendered TriggerAuthentication or the
    // operator's own), else it fails and holds the fallback for ever.
    const protocol = String(((config.kafka || {}).properties || {})['security.protocol'] || 'PLAINTEXT').toUpperCase();
    for (const t of so.spec.triggers) {
      if (protocol !== 'PLAINTEXT') check(file, `kafka trigger authenticates (security.protocol ${protocol})`, t.authenticationRef && t.authenticationRef.name);
      check(file, `trigger tls "enable" iff security.protocol uses TLS (${protocol})`,
        t.metadata.tls === undefined || (t.metadata.tls === 'enable') === /SSL$/.test(protocol));
    }
  }
  const auths = ofKind(objects, 'TriggerAuthentication');
  for (const auth of auths) {
    check(file, `TriggerAuthentication ${auth.metadata.name} is used by every trigger`,
      scaled.length === 1 && scaled[0].spec.triggers.every((t) => t.authenticationRef && t.authenticationRef.name === auth.metadata.name));
    // Only the Secrets (name and key) and environment variables the pod itself uses.
    const podSpec = deployment.spec.template.spec;
    const c = podSpec.containers[0];
    const used = new Set();
    for (const e of c.env || []) {
      if (e.valueFrom && e.valueFrom.secretKeyRef) used.add(`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
    }
    for (const v of podSpec.volumes || []) {
      const sources = v.projected ? v.projected.sources.map((x) => x.secret).filter(Boolean)
        : v.secret ? [{ name: v.secret.secretName, items: v.secret.items }] : [];
      for (const src of sources) for (const item of src.items || []) used.add(`${src.name}/${item.key}`);
    }
    for (const ref of auth.spec.secretTargetRef || []) {
      check(file, `TriggerAuthentication ${ref.parameter} from ${ref.name}/${ref.key}, a Secret key the pods read`, used.has(`${ref.name}/${ref.key}`));
    }
    const envNames = new Set((c.env || []).map((e) => e.name));
    for (const ref of auth.spec.env || []) {
      check(file, `TriggerAuthentication ${ref.parameter} from env ${ref.name} of container ${ref.containerName}`,
        ref.containerName === c.name && (envNames.has(ref.name) || (c.envFrom || []).length > 0));
    }
    check(file, 'TriggerAuthentication has a password or certificate to give', (auth.spec.secretTargetRef || []).length > 0);
  }
  for (const hpa of hpas) {
    check(file, 'HPA targets the Deployment', hpa.spec.scaleTargetRef.name === deployment.metadata.name);
    check(file, 'HPA scales on CPU', hpa.spec.metrics.some((m) => m.resource && m.resource.name === 'cpu'));
    checkScaleDown(file, 'HPA', hpa.spec.behavior && hpa.spec.behavior.scaleDown);
  }
}

// Every autoscaler step rebalances the consumer group: a stabilization window, and pods-per-period
// policies of which the smaller wins.
function checkScaleDown(file, what, scaleDown) {
  check(file, `${what} scaleDown behaviour with a stabilization window`, scaleDown && scaleDown.stabilizationWindowSeconds > 0);
  if (!scaleDown) return;
  check(file, `${what} scaleDown limits pods per period`, (scaleDown.policies || []).some((p) => p.type === 'Pods' && p.value >= 1 && p.periodSeconds > 0));
  check(file, `${what} scaleDown selectPolicy Min (the tighter policy wins)`, scaleDown.selectPolicy === 'Min');
}

function checkNetworkPolicy(file, objects, deployment) {
  if (!deployment) return;
  const podLabels = deployment.spec.template.metadata.labels;
  for (const np of ofKind(objects, 'NetworkPolicy')) {
    check(file, 'NetworkPolicy selects the pods', matches(np.spec.podSelector.matchLabels, podLabels));
    check(file, 'NetworkPolicy restricts ingress and egress', JSON.stringify(np.spec.policyTypes) === '["Ingress","Egress"]');
    const ports = (np.spec.ingress || []).flatMap((r) => r.ports || []);
    check(file, 'ingress only to the admin port', ports.length > 0 && ports.every((p) => p.port === 'admin'));
    const egress = np.spec.egress || [];
    check(file, 'egress to DNS on 53/UDP', egress.some((r) => (r.ports || []).some((p) => p.port === 53 && p.protocol === 'UDP')));
    const v4 = egress.flatMap((r) => r.to || []).find((t) => t.ipBlock && t.ipBlock.cidr === '0.0.0.0/0');
    for (const refused of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']) {
      check(file, `public egress refuses ${refused}`, v4 && (v4.ipBlock.except || []).includes(refused));
    }
    const v6 = egress.flatMap((r) => r.to || []).find((t) => t.ipBlock && t.ipBlock.cidr === '::/0');
    for (const refused of ['fc00::/7', 'fe80::/10']) {
      check(file, `public egress refuses ${refused}`, v6 && (v6.ipBlock.except || []).includes(refused));
    }
  }
}

function checkServicesAndMonitoring(file, objects, deployment) {
  const podLabels = deployment ? deployment.spec.template.metadata.labels : {};
  const services = ofKind(objects, 'Service');
  for (const s of services) check(file, `Service ${s.metadata.name} selects the pods`, matches(s.spec.selector, podLabels));
  for (const pdb of ofKind(objects, 'PodDisruptionBudget')) {
    check(file, 'PDB maxUnavailable 1', pdb.spec.maxUnavailable === 1);
    check(file, 'PDB unhealthyPodEvictionPolicy AlwaysAllow (an outage cannot block drains)', pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow');
    check(file, 'PDB selects the pods', matches(pdb.spec.selector.matchLabels, podLabels));
  }
  for (const sm of ofKind(objects, 'ServiceMonitor')) {
    const target = services.find((s) => matches(sm.spec.selector.matchLabels, s.metadata.labels));
    check(file, 'ServiceMonitor selects the Service', target);
    for (const ep of sm.spec.endpoints) {
      check(file, `ServiceMonitor port ${ep.port} exists on the Service`, target && target.spec.ports.some((p) => p.name === ep.port));
      check(file, 'ServiceMonitor scrapes /metrics', ep.path === '/metrics');
    }
    check(file, 'ServiceMonitor has no jobLabel (job is the Service name, which the rules select on)', !sm.spec.jobLabel);
  }
  // Every selector of every rule names this release's job (the Service's name, as the
  // ServiceMonitor scrapes it) and namespace: two releases in one Prometheus never merge.
  const service = services[0];
  const namespace = 'webhooks'; // check.sh template renders with --namespace webhooks
  for (const pr of ofKind(objects, 'PrometheusRule')) {
    const scope = service && `job="${service.metadata.name}",namespace="${namespace}"`;
    for (const rule of pr.spec.groups.flatMap((g) => g.rules)) {
      const name = rule.alert || rule.record;
      for (const selector of vectorSelectors(rule.expr)) {
        check(file, `${name}: ${selector} selects {${scope}}`, scope && selector.includes(`{${scope}`));
      }
      if (rule.alert) {
        const url = rule.annotations && rule.annotations.runbook_url;
        check(file, `${name}: absolute runbook_url ending #${name.toLowerCase()}`, /^https?:\/\//.test(url || '') && url.endsWith(`#${name.toLowerCase()}`));
      }
    }
  }
  const dashboardFile = JSON.parse(fs.readFileSync(path.join(repo, 'helm/hookd/dashboards/hookd.json'), 'utf8'));
  const dashboards = ofKind(objects, 'ConfigMap').filter((m) => m.data && 'hookd.json' in m.data);
  for (const d of dashboards) {
    check(file, 'dashboard ConfigMap labelled grafana_dashboard: "1"', d.metadata.labels.grafana_dashboard === '1');
    // The same JSON but for the docs variable's value (dashboard.docsUrl), which must stay a
    // URL, absolute when set.
    const rendered = JSON.parse(d.data['hookd.json']);
    const docs = rendered.templating.list.find((v) => v.name === 'docs');
    check(file, `dashboard docs link ${docs && docs.query} is docs/operations.md or an absolute URL`,
      docs && (docs.query === 'docs/operations.md' || /^https?:\/\/\S+$/.test(docs.query)));
    const expected = JSON.parse(JSON.stringify(dashboardFile));
    const expectedDocs = expected.templating.list.find((v) => v.name === 'docs');
    if (docs && expectedDocs) expectedDocs.query = docs.query;
    check(file, 'dashboard ConfigMap holds dashboards/hookd.json', JSON.stringify(rendered) === JSON.stringify(expected));
  }
}

for (const file of process.argv.slice(2)) {
  const name = path.basename(file);
  const objects = loadManifests(file);
  const before = failures;
  for (const object of objects) validateModel(name, object);
  const deployment = checkDeployment(name, objects);
  checkScaling(name, objects, deployment);
  checkServicesAndMonitoring(name, objects, deployment);
  checkNetworkPolicy(name, objects, deployment);
  const kinds = objects.map((o) => o.kind).join(', ');
  if (failures === before) console.log(`ok   ${name}: ${objects.length} objects valid (${kinds})`);
}
process.exit(failures ? 1 : 0);
