// Package deploy holds tests that check the deployment files: compose.yaml and the Dockerfile at the repository root (Docker cannot run on the CI machines, so their shape is checked as text) and the Helm chart in deploy/helm/civitas (rendered with helm template and decoded into the Kubernetes API types).
package deploy
