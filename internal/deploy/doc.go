// Package deploy holds tests that check the deployment files (compose.yaml, Dockerfile) shipped at the repository root; Docker cannot run on the CI machines, so their shape is checked as text.
package deploy
