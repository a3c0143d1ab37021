package query

import (
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// groupFromDDL converts a group column, name STRUCT(member type options,
// ...) [POSITION(a:b) | OFFSET n] [WIDTH w] [OCCURS ...]: a struct of its
// members, each placed relative to the group's first byte (POSITION(1:5)
// is the group's first five bytes; members without a place follow each
// other from byte 1). POSITION or WIDTH of the group give its width (the
// stride of a repeated group by default); without them it ends after its
// last member.
func groupFromDDL(c *parser.ColumnDef, l *Layout) (storage.Field, error) {
	f := storage.Field{Name: c.Name, Type: storage.Type{Kind: storage.Struct}, Offset: storage.Implicit}
	for _, m := range c.Members {
		mf, err := fieldFromDDL(m, l)
		if err != nil {
			return f, err
		}
		f.Members = append(f.Members, mf)
	}
	placed := false
	for _, o := range c.Options {
		ok, err := placeOption(c, o, &f, &placed)
		if err != nil {
			return f, err
		}
		if !ok {
			return f, layoutErr(o.Pos, "column %s: a STRUCT takes POSITION, OFFSET, WIDTH, OCCURS and a default byte order or TEXT for its members, not %s: give it to the members", c.Name, o.Kind)
		}
	}
	return f, nil
}
