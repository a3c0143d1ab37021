package query

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/parser"
)

// structFieldRef reads s.f, parsed as a qualified column, as the field f
// of the STRUCT column s when no table in scope is called s (as DuckDB
// does): it returns the call struct_extract(s, 'f') to bind instead, or
// nil.
func structFieldRef(sc *scope, n *parser.ColumnRef) *parser.Call {
	if sc == nil || n.Table == "" {
		return nil
	}
	for s := sc; s != nil; s = s.parent {
		if s.relation(n.Table) != nil {
			return nil
		}
	}
	col := &parser.ColumnRef{Pos: n.Pos, Name: n.Table}
	x, err := sc.column(col)
	if err != nil || x.Type() == nil || x.Type().ID() != arrow.STRUCT {
		return nil
	}
	return &parser.Call{Pos: n.Pos, Name: "struct_extract", Args: []parser.Expr{col, &parser.Literal{Pos: n.Pos, Kind: parser.LitString, Text: n.Name}}}
}
