package sources

// Audit actions of changes to sources, the same whether made over HTTP or
// with the command line.
const (
	ActionAdded         = "source.added"
	ActionUpdated       = "source.updated"
	ActionRemoved       = "source.removed"
	ActionSyncRequested = "source.sync_requested"
)

// AuditTarget is the audit target of a source.
func AuditTarget(src Source) string { return "source:" + src.Name }

// AuditDetails is what the audit trail records of a change to src: never
// its credentials (the reference names a file or variable, but which one
// is nobody's business in the trail either).
func AuditDetails(src Source) map[string]any {
	return map[string]any{"kind": src.Kind, "url": src.URL, "collection": src.Collection, "groups": src.Groups,
		"allow_remote": src.AllowRemote, "enabled": src.Enabled}
}
