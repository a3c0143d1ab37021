package parser

// Temporary printing for the new nodes until the grammar branch lands.

func (s *SetOp) String() string        { return "(" + s.L.String() + ") " + s.Op + " (" + s.R.String() + ")" }
func (s *Values) String() string       { return "VALUES (...)" }
func (s *CreateView) String() string   { return "CREATE VIEW " + s.Name + " AS " + s.SQL }
func (s *DropView) String() string     { return "DROP VIEW " + s.Name }
func (t *DerivedTable) String() string { return "(" + t.Query.String() + ") " + t.Alias }
func (t *Join) String() string         { return t.L.String() + " " + t.Kind.String() + " " + t.R.String() }
func (e *Subquery) String() string     { return "(" + e.Query.String() + ")" }
func (e *Exists) String() string       { return "EXISTS (" + e.Query.String() + ")" }
func (e *InSubquery) String() string   { return e.X.String() + " IN (" + e.Query.String() + ")" }
func (e *Quantified) String() string {
	return e.X.String() + " " + e.Op + " ANY (" + e.Query.String() + ")"
}
