// Package query will own recq's public Go API: opening an engine, the catalog
// of tables, binding SQL to a logical plan, optimizer passes and physical
// planning. A database/sql driver lives in a subpackage.
package query
