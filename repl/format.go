package repl

import (
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/recq/recq/query/export"
)

// Values print as package export writes them (DECIMALs keep their scale,
// DATE as YYYY-MM-DD, ...), in every renderer: the table, markdown and
// line modes here, and the csv, tsv, json, jsonl, arrow and parquet modes
// that export writes.

// cellText returns the text of row i of arr, or null for a NULL.
func cellText(arr arrow.Array, i int, null string) string { return export.CellText(arr, i, null) }

// typeName names an Arrow type the way recq's SQL does, lower case, for
// the type line of the table renderer.
func typeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.BOOL:
		return "boolean"
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return t.Name()
	case arrow.FLOAT32:
		return "float32"
	case arrow.FLOAT64:
		return "float64"
	case arrow.DECIMAL128, arrow.DECIMAL256:
		d := t.(arrow.DecimalType)
		return "decimal(" + strconv.Itoa(int(d.GetPrecision())) + "," + strconv.Itoa(int(d.GetScale())) + ")"
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "varchar"
	case arrow.DATE32, arrow.DATE64:
		return "date"
	case arrow.TIMESTAMP:
		return "timestamp"
	case arrow.DICTIONARY:
		return typeName(t.(*arrow.DictionaryType).ValueType)
	case arrow.NULL:
		return "null"
	case arrow.INTERVAL_MONTH_DAY_NANO, arrow.INTERVAL_MONTHS, arrow.INTERVAL_DAY_TIME:
		return "interval"
	case arrow.LIST:
		return typeName(t.(*arrow.ListType).Elem()) + "[]"
	case arrow.STRUCT:
		var parts []string
		for _, f := range t.(*arrow.StructType).Fields() {
			parts = append(parts, f.Name+" "+typeName(f.Type))
		}
		return "struct(" + strings.Join(parts, ", ") + ")"
	}
	return strings.ToLower(t.String())
}
