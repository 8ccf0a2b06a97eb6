package api

import _ "embed"

// OpenAPI is openapi.yaml, the OpenAPI 3.0 document of the HTTP API: every
// route of the functions, with the bodies and views of this package and the
// problem responses. The console or a local run may serve it as is; tests
// validate requests and responses against it (see shared/httpapi/apitest).
//
//go:embed openapi.yaml
var OpenAPI []byte
