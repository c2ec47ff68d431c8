{{/* Chart name. */}}
{{- define "notify.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped base name of every object. */}}
{{- define "notify.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "notify.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels shared by every object; pass (dict "root" $ "component" "<name>") or the root context. */}}
{{- define "notify.labels" -}}
{{- $root := .root | default . -}}
helm.sh/chart: {{ include "notify.chart" $root }}
{{ include "notify.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: notify
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "notify.selectorLabels" -}}
{{- $root := .root | default . -}}
app.kubernetes.io/name: {{ include "notify.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{- define "notify.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "notify.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "notify.image" -}}
{{- $img := .Values.image }}
{{- if $img.digest }}
{{- printf "%s@%s" $img.repository $img.digest }}
{{- else }}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion $img.tag) }}
{{- end }}
{{- end }}

{{/*
Every enabled workload with its settings resolved (defaults merged under the component's own), as YAML:
  workloads: [{name, args, provider, topic, consumerGroup, http, replicas, resources, autoscaling, pdb, ...}]
Read it with: (include "notify.workloads" . | fromYaml).workloads
*/}}
{{- define "notify.workloads" -}}
{{- $list := list }}
{{- range $name, $c := .Values.components }}
{{- if $c.enabled }}
{{- $w := mergeOverwrite (deepCopy $.Values.defaults) (deepCopy $c) }}
{{- $_ := set $w "name" $name }}
{{- $_ := set $w "args" (list $name) }}
{{- $_ := set $w "provider" "" }}
{{- $list = append $list $w }}
{{- end }}
{{- end }}
{{- range $provider, $c := .Values.senders }}
{{- if $c.enabled }}
{{- $w := mergeOverwrite (deepCopy $.Values.defaults) (deepCopy $c) }}
{{- $_ := set $w "name" (printf "sender-%s" $provider) }}
{{- $_ := set $w "args" (list "sender") }}
{{- $_ := set $w "provider" $provider }}
{{- $list = append $list $w }}
{{- end }}
{{- end }}
{{- range $w := $list }}
{{- $_ := set $w "http" (int (default 0 $w.http)) }}
{{- $_ := set $w "topic" (default "" $w.topic) }}
{{- $_ := set $w "consumerGroup" (default "" $w.consumerGroup) }}
{{- if and $w.topic (not $w.consumerGroup) }}
{{- fail (printf "%s consumes %s but names no consumerGroup" $w.name $w.topic) }}
{{- end }}
{{- if and $w.topic $w.autoscaling.enabled (gt (int $w.autoscaling.maxReplicas) (int $.Values.kafka.partitions)) }}
{{- fail (printf "%s: autoscaling.maxReplicas %v exceeds the %v partitions of %s (extra consumers would sit idle)" $w.name $w.autoscaling.maxReplicas $.Values.kafka.partitions $w.topic) }}
{{- end }}
{{- if and $w.autoscaling.enabled (gt (int $w.autoscaling.minReplicas) (int $w.autoscaling.maxReplicas)) }}
{{- fail (printf "%s: autoscaling.minReplicas exceeds maxReplicas" $w.name) }}
{{- end }}
{{- end }}
workloads:
{{ toYaml $list }}
{{- end }}

{{/* How a workload autoscales: "keda", "hpa" or "" (fixed replicas). Pass (dict "root" $ "w" $w). */}}
{{- define "notify.scaler" -}}
{{- if .w.autoscaling.enabled }}
{{- if and .w.topic (eq .root.Values.autoscaling.mode "keda") }}keda{{ else }}hpa{{ end }}
{{- end }}
{{- end }}

{{/* Seconds the kubelet waits after SIGTERM: the services' shutdown grace, the preStop delay and a margin. */}}
{{- define "notify.terminationGracePeriodSeconds" -}}
{{- $grace := div (add (int .root.Values.shutdownGraceMs) 999) 1000 }}
{{- $preStop := ternary (int .root.Values.preStopDelaySeconds) 0 (gt (int .w.http) 0) }}
{{- add $grace $preStop 5 }}
{{- end }}

{{/* The non-secret environment shared by every service (ConfigMap data). */}}
{{- define "notify.configData" -}}
NODE_ENV: production
LOG_LEVEL: {{ .Values.logLevel | quote }}
ADMIN_PORT: {{ .Values.adminPort | quote }}
SHUTDOWN_GRACE_MS: {{ .Values.shutdownGraceMs | int | quote }}
KAFKA_BROKERS: {{ required "kafka.brokers is required" .Values.kafka.brokers | quote }}
KAFKA_SSL: {{ .Values.kafka.ssl | toString | quote }}
{{- with .Values.kafka.sasl.mechanism }}
KAFKA_SASL_MECHANISM: {{ . | quote }}
{{- end }}
SCHEMA_REGISTRY_URL: {{ required "schemaRegistry.url is required" .Values.schemaRegistry.url | quote }}
{{- if .Values.adminTasks.enabled }}
# The hook Job has created the topics and registered the schemas: the services need no rights to do so.
KAFKA_CREATE_TOPICS: "false"
SCHEMA_REGISTRY_AUTO_REGISTER: "false"
{{- end }}
{{- range $k, $v := .Values.extraConfig }}
{{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{- end }}

{{/* A secretKeyRef env entry. Pass (dict "name" ENV "ref" (dict "name" SECRET "key" KEY "optional" BOOL)). */}}
{{- define "notify.secretEnvVar" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "%s: secret name is required" .name) .ref.name }}
      key: {{ required (printf "%s: secret key is required" .name) .ref.key }}
      {{- if .ref.optional }}
      optional: true
      {{- end }}
{{- end }}

{{/* Credentials every service needs, from existing Secrets. */}}
{{- define "notify.commonSecretEnv" -}}
{{ include "notify.secretEnvVar" (dict "name" "MONGODB_URI" "ref" (dict "name" .Values.mongodb.existingSecret "key" .Values.mongodb.uriKey)) }}
{{ include "notify.secretEnvVar" (dict "name" "REDIS_URL" "ref" (dict "name" .Values.redis.existingSecret "key" .Values.redis.urlKey)) }}
{{- if .Values.kafka.sasl.mechanism }}
{{ include "notify.secretEnvVar" (dict "name" "KAFKA_SASL_USERNAME" "ref" (dict "name" .Values.kafka.sasl.existingSecret "key" .Values.kafka.sasl.usernameKey)) }}
{{ include "notify.secretEnvVar" (dict "name" "KAFKA_SASL_PASSWORD" "ref" (dict "name" .Values.kafka.sasl.existingSecret "key" .Values.kafka.sasl.passwordKey)) }}
{{- end }}
{{- if .Values.schemaRegistry.existingSecret }}
{{ include "notify.secretEnvVar" (dict "name" "SCHEMA_REGISTRY_USERNAME" "ref" (dict "name" .Values.schemaRegistry.existingSecret "key" .Values.schemaRegistry.usernameKey)) }}
{{ include "notify.secretEnvVar" (dict "name" "SCHEMA_REGISTRY_PASSWORD" "ref" (dict "name" .Values.schemaRegistry.existingSecret "key" .Values.schemaRegistry.passwordKey)) }}
{{- end }}
{{- end }}

{{/* Pod-level security context and the /tmp volume, shared by Deployments and the hook Job. */}}
{{- define "notify.containerSecurity" -}}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end }}

{{- define "notify.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/* KEDA's name for a SASL mechanism. */}}
{{- define "notify.kedaSasl" -}}
{{- $m := lower .Values.kafka.sasl.mechanism }}
{{- if eq $m "plain" }}plaintext
{{- else if eq $m "scram-sha-256" }}scram_sha256
{{- else if eq $m "scram-sha-512" }}scram_sha512
{{- else }}{{ fail (printf "kafka.sasl.mechanism %q: use plain, scram-sha-256 or scram-sha-512" .Values.kafka.sasl.mechanism) }}
{{- end }}
{{- end }}

{{/* The hook Job's environment: the shared settings inline, the credentials by reference. */}}
{{- define "notify.adminTasksEnv" -}}
{{- range $k, $v := (include "notify.configData" . | fromYaml) }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
- name: KAFKA_CLIENT_ID
  value: notify-admin-tasks
{{- range $k, $v := .Values.adminTasks.env }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{ include "notify.commonSecretEnv" . }}
{{- end }}
