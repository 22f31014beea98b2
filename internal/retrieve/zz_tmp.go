package retrieve

// Probes is temporary.
var Probes = probes
