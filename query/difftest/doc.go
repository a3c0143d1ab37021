// Package difftest checks recq's answers against SQLite's: a random query
// generator over generated tables, run in both engines and compared.
// It is test-only: nothing in recq imports it, and SQLite is imported only
// from its _test.go files, so the recq binary carries no SQLite.
package difftest
