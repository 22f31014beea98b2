{{/* Names, labels and the shared pieces of every pod. */}}

{{- define "civitas.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "civitas.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* civitas.labels: labels of every object; pass (dict "root" $ "component" "assistant"). */}}
{{- define "civitas.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "civitas.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: civitas
{{- end -}}

{{/* civitas.selectorLabels: the labels a component's pods are selected by.
The default-deny NetworkPolicy selects app.kubernetes.io/instance alone, so
every pod of the release carries it. */}}
{{- define "civitas.selectorLabels" -}}
app.kubernetes.io/name: {{ include "civitas.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "civitas.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "civitas.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* civitas.image: repository:tag or repository@digest; pass (dict "image"
.Values.x.image "default" "<tag>" "what" "values path"). A "latest" or
missing tag is refused: a pod must run what was reviewed. */}}
{{- define "civitas.image" -}}
{{- $tag := toString (default .default .image.tag) -}}
{{- if .image.digest -}}
{{- if not (hasPrefix "sha256:" .image.digest) -}}
{{- fail (printf "%s.digest must look like sha256:<hex>, got %q" .what .image.digest) -}}
{{- end -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- if or (eq $tag "") (eq $tag "latest") -}}
{{- fail (printf "%s.tag must name a pinned release (not %q); or set %s.digest" .what $tag .what) -}}
{{- end -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* civitas.podSecurityContext: Pod Security "restricted" for every pod.
fsGroup makes mounted volumes writable for uid 65532. */}}
{{- define "civitas.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "civitas.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* civitas.secretName: the Secret the chart makes from values. */}}
{{- define "civitas.secretName" -}}
{{- include "civitas.fullname" . -}}
{{- end -}}

{{/* civitas.validate: the settings without which the chart refuses to
render, each message naming the value to set. Fail closed, like the
binaries. */}}
{{- define "civitas.validate" -}}
{{- $v := .Values -}}
{{- if not $v.auth.mode -}}
{{- fail "auth.mode is required: set auth.mode=oidc (the city's OpenID Connect provider) or auth.mode=proxy (an authenticating reverse proxy); it becomes CIVITAS_AUTH" -}}
{{- end -}}
{{- if not (has $v.auth.mode (list "oidc" "proxy")) -}}
{{- fail (printf "auth.mode must be oidc or proxy, not %q (dev mode, one user for everyone, is not for a cluster)" $v.auth.mode) -}}
{{- end -}}
{{- if not $v.publicURL -}}
{{- fail "publicURL is required: the address users open, e.g. --set publicURL=https://assistant.example-city.eu (CIVITAS_PUBLIC_URL)" -}}
{{- end -}}
{{- $u := urlParse $v.publicURL -}}
{{- if or (not (has $u.scheme (list "http" "https"))) (not $u.host) -}}
{{- fail (printf "publicURL must be an http(s) URL with a host, got %q" $v.publicURL) -}}
{{- end -}}
{{- if and (eq $v.auth.mode "proxy") (not $v.auth.proxy.trustedProxies) -}}
{{- fail "auth.proxy.trustedProxies is required with auth.mode=proxy: the CIDRs of the proxy that sets the identity headers (CIVITAS_AUTH_TRUSTED_PROXIES)" -}}
{{- end -}}
{{- if and (eq $v.auth.mode "oidc") (not $v.auth.oidc.issuer) -}}
{{- fail "auth.oidc.issuer is required with auth.mode=oidc (CIVITAS_OIDC_ISSUER)" -}}
{{- end -}}
{{- if and (not $v.database.existingSecret) (or (not $v.database.appURL) (not $v.database.ownerURL)) -}}
{{- fail "database.existingSecret (a Secret with the keys database.appURLKey and database.ownerURLKey) or both database.appURL and database.ownerURL are required" -}}
{{- end -}}
{{- if and (not $v.ollama.enabled) (not $v.ollama.url) -}}
{{- fail "ollama.url is required when ollama.enabled=false" -}}
{{- end -}}
{{- if not (has $v.originals.store (list "postgres" "s3")) -}}
{{- fail (printf "originals.store must be postgres or s3, not %q (CIVITAS_ORIGINALS)" $v.originals.store) -}}
{{- end -}}
{{- if eq $v.originals.store "s3" -}}
{{- $s3 := urlParse (default "" $v.originals.s3.endpoint) -}}
{{- if or (not (has $s3.scheme (list "http" "https"))) (not $s3.host) (not (has $s3.path (list "" "/"))) -}}
{{- fail (printf "originals.s3.endpoint is required with originals.store=s3: an http(s) URL of the server without a path, got %q (CIVITAS_S3_ENDPOINT)" $v.originals.s3.endpoint) -}}
{{- end -}}
{{- if not $v.originals.s3.bucket -}}
{{- fail "originals.s3.bucket is required with originals.store=s3 (CIVITAS_S3_BUCKET)" -}}
{{- end -}}
{{- if not $v.originals.s3.existingSecret -}}
{{- fail "originals.s3.existingSecret is required with originals.store=s3: a Secret with the keys originals.s3.accessKeyKey and secretKeyKey, mounted as files" -}}
{{- end -}}
{{- end -}}
{{- range $name, $_ := $v.extraEnv -}}
{{- if has $name (list "CIVITAS_DATABASE_URL" "CIVITAS_OIDC_CLIENT_SECRET" "CIVITAS_PSEUDONYM_KEY" "CIVITAS_ORIGINALS" "CIVITAS_S3_ENDPOINT" "CIVITAS_S3_ACCESS_KEY_FILE" "CIVITAS_S3_SECRET_KEY_FILE") -}}
{{- fail (printf "extraEnv.%s is a secret setting or one the chart sets: it comes from database, auth.oidc, pseudonymKey or originals, never from extraEnv" $name) -}}
{{- end -}}
{{- if not (hasPrefix "CIVITAS_" $name) -}}
{{- fail (printf "extraEnv.%s: only CIVITAS_* settings belong here" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* civitas.needsSecret: "true" when the chart must make its Secret. */}}
{{- define "civitas.needsSecret" -}}
{{- $v := .Values -}}
{{- if or (not $v.database.existingSecret) (and (eq $v.auth.mode "oidc") $v.auth.oidc.clientSecret (not $v.auth.oidc.existingSecret)) (and $v.pseudonymKey.value (not $v.pseudonymKey.existingSecret)) -}}
true
{{- end -}}
{{- end -}}

{{- define "civitas.ollamaURL" -}}
{{- if .Values.ollama.enabled -}}
{{- printf "http://%s-ollama:11434" (include "civitas.fullname" .) -}}
{{- else -}}
{{- .Values.ollama.url -}}
{{- end -}}
{{- end -}}

{{/* civitas.env: the settings of the assistant and of the migration Job,
which loads the same configuration. Every secret comes from a Secret
(secretKeyRef); pass (dict "root" $ "dbKey" "<key of the URL to use>"). */}}
{{- define "civitas.env" -}}
{{- $v := .root.Values -}}
{{- $secret := include "civitas.secretName" .root -}}
- name: CIVITAS_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ default $secret $v.database.existingSecret }}
      key: {{ .dbKey }}
- name: CIVITAS_PUBLIC_URL
  value: {{ $v.publicURL | quote }}
- name: CIVITAS_LISTEN
  value: "0.0.0.0:8080"
- name: CIVITAS_OLLAMA_URL
  value: {{ include "civitas.ollamaURL" .root | quote }}
- name: CIVITAS_CHAT_MODEL
  value: {{ $v.models.chat | quote }}
- name: CIVITAS_EMBED_MODEL
  value: {{ $v.models.embed | quote }}
- name: CIVITAS_LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: CIVITAS_LOG_FORMAT
  value: json
- name: CIVITAS_UPLOAD_DIR
  value: /var/lib/civitas/uploads
- name: CIVITAS_ORIGINALS
  value: {{ $v.originals.store | quote }}
{{- if eq $v.originals.store "s3" }}
- name: CIVITAS_S3_ENDPOINT
  value: {{ $v.originals.s3.endpoint | quote }}
- name: CIVITAS_S3_BUCKET
  value: {{ $v.originals.s3.bucket | quote }}
- name: CIVITAS_S3_REGION
  value: {{ $v.originals.s3.region | quote }}
- name: CIVITAS_S3_ACCESS_KEY_FILE
  value: /etc/civitas/s3/access-key
- name: CIVITAS_S3_SECRET_KEY_FILE
  value: /etc/civitas/s3/secret-key
{{- end }}
- name: CIVITAS_AUTH
  value: {{ $v.auth.mode | quote }}
- name: CIVITAS_SESSION_IDLE
  value: {{ $v.auth.sessionIdle | quote }}
- name: CIVITAS_SESSION_MAX
  value: {{ $v.auth.sessionMax | quote }}
{{- if eq $v.auth.mode "oidc" }}
- name: CIVITAS_OIDC_ISSUER
  value: {{ $v.auth.oidc.issuer | quote }}
- name: CIVITAS_OIDC_CLIENT_ID
  value: {{ $v.auth.oidc.clientID | quote }}
- name: CIVITAS_OIDC_REDIRECT_URL
  value: {{ default (printf "%s/auth/callback" (trimSuffix "/" $v.publicURL)) $v.auth.oidc.redirectURL | quote }}
- name: CIVITAS_OIDC_SCOPES
  value: {{ $v.auth.oidc.scopes | quote }}
- name: CIVITAS_OIDC_USERNAME_CLAIM
  value: {{ $v.auth.oidc.usernameClaim | quote }}
- name: CIVITAS_OIDC_GROUPS_CLAIM
  value: {{ $v.auth.oidc.groupsClaim | quote }}
{{- if or $v.auth.oidc.existingSecret $v.auth.oidc.clientSecret }}
- name: CIVITAS_OIDC_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ default $secret $v.auth.oidc.existingSecret }}
      key: {{ $v.auth.oidc.clientSecretKey }}
{{- end }}
{{- else }}
- name: CIVITAS_AUTH_USER_HEADER
  value: {{ $v.auth.proxy.userHeader | quote }}
- name: CIVITAS_AUTH_GROUPS_HEADER
  value: {{ $v.auth.proxy.groupsHeader | quote }}
- name: CIVITAS_AUTH_TRUSTED_PROXIES
  value: {{ $v.auth.proxy.trustedProxies | quote }}
{{- end }}
- name: CIVITAS_RETENTION_DAYS
  value: {{ $v.retention.days | quote }}
- name: CIVITAS_RETENTION_ACTION
  value: {{ $v.retention.action | quote }}
{{- if or $v.pseudonymKey.existingSecret $v.pseudonymKey.value }}
- name: CIVITAS_PSEUDONYM_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default $secret $v.pseudonymKey.existingSecret }}
      key: {{ $v.pseudonymKey.key }}
{{- end }}
{{- with $v.allowRemoteHosts }}
- name: CIVITAS_ALLOW_REMOTE_HOSTS
  value: {{ join "," . | quote }}
{{- end }}
{{- range $name, $value := $v.extraEnv }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* civitas.egressDNSAndDatabase: the egress rules the assistant and the
migration Job share. */}}
{{- define "civitas.egressDNSAndDatabase" -}}
{{- $np := .Values.networkPolicy -}}
- to:
    {{- toYaml $np.dns.to | nindent 4 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
- ports:
    - port: {{ $np.database.port }}
      protocol: TCP
  {{- with $np.database.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* civitas.egressOllama: the egress rule to Ollama, in the release or
outside it, shared by the assistant and the worker. */}}
{{- define "civitas.egressOllama" -}}
{{- $np := .Values.networkPolicy -}}
{{- if .Values.ollama.enabled -}}
- to:
    - podSelector:
        matchLabels:
          {{- include "civitas.selectorLabels" (dict "root" $ "component" "ollama") | nindent 10 }}
  ports:
    - port: 11434
      protocol: TCP
{{- else -}}
- ports:
    - port: {{ $np.externalOllama.port }}
      protocol: TCP
  {{- with $np.externalOllama.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}


{{/* civitas.uploadsMount and civitas.uploadsVolume: the scratch folder
(CIVITAS_UPLOAD_DIR) and, with originals.store=s3, the S3 keys as files,
for every container that loads the assistant's configuration. */}}
{{- define "civitas.uploadsMount" -}}
- name: uploads
  mountPath: /var/lib/civitas/uploads
{{- include "civitas.s3KeysMount" . }}
{{- end -}}

{{- define "civitas.uploadsVolume" -}}
- name: uploads
  {{- if .Values.uploads.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.uploads.existingClaim }}
  {{- else }}
  emptyDir:
    sizeLimit: {{ .Values.uploads.sizeLimit }}
  {{- end }}
{{- include "civitas.s3KeysVolume" . }}
{{- end -}}

{{- define "civitas.s3KeysMount" -}}
{{- if eq .Values.originals.store "s3" }}
- name: s3-keys
  mountPath: /etc/civitas/s3
  readOnly: true
{{- end }}
{{- end -}}

{{- define "civitas.s3KeysVolume" -}}
{{- if eq .Values.originals.store "s3" }}
- name: s3-keys
  secret:
    secretName: {{ .Values.originals.s3.existingSecret }}
    # 0440: readable by the pod's group (fsGroup 65532) only.
    defaultMode: 288
    items:
      - key: {{ .Values.originals.s3.accessKeyKey }}
        path: access-key
      - key: {{ .Values.originals.s3.secretKeyKey }}
        path: secret-key
{{- end }}
{{- end -}}

{{/* civitas.egressS3: with originals.store=s3, the egress rule to the S3
endpoint's port, shared by the assistant and the worker. */}}
{{- define "civitas.egressS3" -}}
{{- if eq .Values.originals.store "s3" -}}
{{- $u := urlParse .Values.originals.s3.endpoint -}}
{{- $port := ternary "443" "80" (eq $u.scheme "https") -}}
{{- $hostport := splitList ":" $u.host -}}
{{- if gt (len $hostport) 1 }}{{ $port = last $hostport }}{{ end -}}
- ports:
    - port: {{ $port }}
      protocol: TCP
  {{- with .Values.networkPolicy.s3.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}
