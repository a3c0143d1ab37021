package export

import (
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
)

func TestValueFormats(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{string(appendFloat(nil, 100, 64)), "100"},
		{string(appendFloat(nil, 0.1, 64)), "0.1"},
		{string(appendFloat(nil, 1e21, 64)), "1e+21"},
		{string(appendFloat(nil, 1.5e-7, 64)), "1.5e-07"},
		{string(appendDecimal128(nil, decimal128.FromI64(-5), 2)), "-0.05"},
		{string(appendDecimal128(nil, decimal128.FromI64(12340), 2)), "123.40"},
		{string(appendDecimal128(nil, decimal128.FromI64(7), 0)), "7"},
		{string(appendDecimal128(nil, decimal128.New(1, 0), 2)), "184467440737095516.16"},
		{string(appendDecimal128(nil, decimal128.New(1, 0).Negate(), 2)), "-184467440737095516.16"},
		{string(appendDate(nil, -1)), "1969-12-31"},
		{string(appendTimestamp(nil, 1_500_000, arrow.Microsecond)), "1970-01-01 00:00:01.500000"},
		{string(appendTimestamp(nil, 86_400_000_000, arrow.Microsecond)), "1970-01-02 00:00:00"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}
