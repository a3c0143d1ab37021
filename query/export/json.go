package export

import (
	"bufio"
	"io"
	"math"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// appendJSONValue appends row r of arr as a JSON value.
func appendJSONValue(dst []byte, arr arrow.Array, r int, kind CellKind) []byte {
	if IsNull(arr, r) {
		return append(dst, "null"...)
	}
	switch kind {
	case KindNumber:
		switch a := arr.(type) {
		case *array.Float64:
			if f := a.Value(r); math.IsNaN(f) || math.IsInf(f, 0) {
				return appendJSONString(dst, string(appendFloat(nil, f, 64)))
			}
		case *array.Float32:
			if f := float64(a.Value(r)); math.IsNaN(f) || math.IsInf(f, 0) {
				return appendJSONString(dst, string(appendFloat(nil, f, 32)))
			}
		}
		return AppendValue(dst, arr, r)
	case KindBool:
		return AppendValue(dst, arr, r)
	}
	return appendJSONString(dst, string(AppendValue(nil, arr, r)))
}

// writeJSON writes one JSON array of objects (asArray) or one object a
// line, keys in column order.
func writeJSON(w io.Writer, rr array.RecordReader, o *Options, asArray bool) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	schema := rr.Schema()
	n := schema.NumFields()
	keys := make([][]byte, n)
	kinds := make([]CellKind, n)
	for i, f := range schema.Fields() {
		keys[i] = append(appendJSONString(nil, f.Name), ':')
		kinds[i] = KindOf(f.Type)
	}
	var total int64
	var buf []byte
	for rr.Next() {
		rec := rr.Record()
		for r := 0; r < int(rec.NumRows()); r++ {
			buf = buf[:0]
			if asArray {
				if total == 0 {
					o.beforeWrite()
					buf = append(buf, "[\n"...)
				} else {
					buf = append(buf, ",\n"...)
				}
			} else if total == 0 {
				o.beforeWrite()
			}
			buf = append(buf, '{')
			for c := 0; c < n; c++ {
				if c > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, keys[c]...)
				buf = appendJSONValue(buf, rec.Column(c), r, kinds[c])
			}
			buf = append(buf, '}')
			if !asArray {
				buf = append(buf, '\n')
			}
			if _, err := bw.Write(buf); err != nil {
				return total, err
			}
			total++
		}
	}
	if err := rr.Err(); err != nil {
		bw.Flush()
		return total, err
	}
	if asArray {
		o.beforeWrite()
		if total == 0 {
			bw.WriteString("[]\n")
		} else {
			bw.WriteString("\n]\n")
		}
	}
	return total, bw.Flush()
}
