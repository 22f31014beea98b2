package sources

// HTTPClient exposes the client of webdav and s3 sources to the tests.
var HTTPClient = httpClient
