package sources

// HTTPClient exposes the client of webdav and s3 sources to the tests.
var HTTPClient = httpClient

// Stage exposes how an entry is staged for the ingest.
var Stage = stage
