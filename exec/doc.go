// Package exec will own the physical operators and expressions that run over
// Arrow record batches: filter, project, hash aggregate, sort, top-N, limit,
// the gather that ends parallelism, and per-operator metrics.
package exec
