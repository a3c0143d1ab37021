package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// date parts understood by extract/date_part (plural and a few aliases
// accepted).
var partAliases = map[string]string{
	"year": "year", "years": "year", "y": "year", "yr": "year", "yrs": "year",
	"quarter": "quarter", "quarters": "quarter",
	"month": "month", "months": "month", "mon": "month",
	"week": "week", "weeks": "week", "w": "week",
	"day": "day", "days": "day", "d": "day", "dayofmonth": "day",
	"dow": "dow", "dayofweek": "dow", "weekday": "dow",
	"isodow": "isodow",
	"doy":    "doy", "dayofyear": "doy",
	"hour": "hour", "hours": "hour", "h": "hour", "hr": "hour",
	"minute": "minute", "minutes": "minute", "m": "minute", "min": "minute",
	"second": "second", "seconds": "second", "s": "second", "sec": "second",
	"millisecond": "millisecond", "milliseconds": "millisecond", "ms": "millisecond",
	"microsecond": "microsecond", "microseconds": "microsecond", "us": "microsecond",
	"epoch": "epoch",
}

func partArg(fn string, e Expr) (string, error) {
	c, ok := asConst(e)
	if !ok || !isString(c.typ) || c.val == nil {
		return "", fmt.Errorf("%s needs the date part as a string constant, e.g. %s('year', d)", fn, fn)
	}
	p, ok := partAliases[strings.ToLower(strings.TrimSpace(c.val.(string)))]
	if !ok {
		return "", fmt.Errorf("unknown date part '%s' (use year, quarter, month, week, day, dow, doy, hour, minute, second, ...)", c.val.(string))
	}
	return p, nil
}

func temporalArg(fn string, e Expr) (Expr, error) {
	t := e.DataType()
	switch {
	case isTemporal(t):
		return e, nil
	case isNull(t):
		return &litExpr{typ: tDate}, nil
	case isString(t):
		if c, ok := asConst(e); ok {
			v, err := convertValue(c.val, t, tTs)
			if err == nil {
				return &litExpr{typ: tTs, val: v}, nil
			}
		}
	}
	return nil, fmt.Errorf("%s needs a DATE or TIMESTAMP argument, not %s", fn, TypeName(t))
}

func buildDatePart(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	part, err := partArg(name, args[0])
	if err != nil {
		return nil, err
	}
	x, err := temporalArg(name, args[1])
	if err != nil {
		return nil, err
	}
	return newDatePart(part, x, fmt.Sprintf("date_part('%s', %s)", part, x))
}

func buildPartAlias(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	x, err := temporalArg(name, args[0])
	if err != nil {
		return nil, err
	}
	return newDatePart(partAliases[name], x, fmt.Sprintf("%s(%s)", name, x))
}

func newDatePart(part string, x Expr, label string) (Expr, error) {
	ts := isTimestamp(x.DataType())
	return &funcExpr{name: "date_part", args: []Expr{x}, typ: tInt64, label: label, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		a := as[0]
		o := newFixedOut[int64](ctx.Mem, tInt64, n)
		o.valid = validityAnd(ctx.Mem, n, a)
		if ts {
			for i, us := range values[int64](a) {
				o.v[i] = tsPart(part, us)
			}
		} else {
			for i, d := range values[int32](a) {
				o.v[i] = datePart(part, int64(d))
			}
		}
		return o.finish(), nil
	}}, nil
}

func datePart(part string, d int64) int64 {
	switch part {
	case "year":
		y, _, _ := civil(d)
		return y
	case "quarter":
		_, m, _ := civil(d)
		return int64((m-1)/3 + 1)
	case "month":
		_, m, _ := civil(d)
		return int64(m)
	case "day":
		_, _, dd := civil(d)
		return int64(dd)
	case "dow":
		return dayOfWeek(d)
	case "isodow":
		w := dayOfWeek(d)
		if w == 0 {
			return 7
		}
		return w
	case "doy":
		return dayOfYear(d)
	case "week":
		return isoWeek(d)
	case "epoch":
		return d * 86400
	}
	return 0 // time parts of a DATE
}

// microsPerPart is the length in microseconds of a part shorter than a
// day (hour, minute, second, millisecond, microsecond); subDay is false
// for every other part.
func microsPerPart(part string) (micros int64, subDay bool) {
	switch part {
	case "hour":
		return microsPerHour, true
	case "minute":
		return microsPerMinute, true
	case "second":
		return microsPerSecond, true
	case "millisecond":
		return 1000, true
	case "microsecond":
		return 1, true
	}
	return 0, false
}

func tsPart(part string, us int64) int64 {
	days := floorDiv(us, microsPerDay)
	tod := us - days*microsPerDay
	switch part {
	case "hour":
		return tod / microsPerHour
	case "minute":
		return tod / microsPerMinute % 60
	case "second":
		return tod / microsPerSecond % 60
	case "millisecond":
		return tod / 1000 % 60000
	case "microsecond":
		return tod % (60 * microsPerSecond)
	case "epoch":
		return floorDiv(us, microsPerSecond)
	}
	return datePart(part, days)
}

// date_trunc(part, x): the start of x's year/quarter/month/week (Monday)/
// day/hour/minute/second; the result has x's type.
func buildDateTrunc(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	part, err := partArg(name, args[0])
	if err != nil {
		return nil, err
	}
	switch part {
	case "dow", "isodow", "doy", "epoch":
		return nil, fmt.Errorf("date_trunc does not support the part '%s'", part)
	}
	x, err := temporalArg(name, args[1])
	if err != nil {
		return nil, err
	}
	t := x.DataType()
	ts := isTimestamp(t)
	label := fmt.Sprintf("date_trunc('%s', %s)", part, x)
	return &funcExpr{name: "date_trunc", args: []Expr{x}, typ: t, label: label, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		a := as[0]
		if ts {
			o := newFixedOut[int64](ctx.Mem, t, n)
			o.valid = validityAnd(ctx.Mem, n, a)
			vb, off := validityOf(a)
			for i, us := range values[int64](a) {
				r, ok := truncTs(part, us)
				if !ok && isValid(vb, off, i) && ctx.matters(i) {
					o.release()
					return nil, tsRangeError(fmt.Sprintf("date_trunc('%s', TIMESTAMP '%s')", part, formatTimestamp(us)))
				}
				o.v[i] = r
			}
			return o.finish(), nil
		}
		o := newFixedOut[int32](ctx.Mem, t, n)
		o.valid = validityAnd(ctx.Mem, n, a)
		for i, d := range values[int32](a) {
			o.v[i] = int32(truncDate(part, int64(d)))
		}
		return o.finish(), nil
	}}, nil
}

func truncDate(part string, d int64) int64 {
	switch part {
	case "year":
		y, _, _ := civil(d)
		return daysFromCivil(y, 1, 1)
	case "quarter":
		y, m, _ := civil(d)
		return daysFromCivil(y, (m-1)/3*3+1, 1)
	case "month":
		y, m, _ := civil(d)
		return daysFromCivil(y, m, 1)
	case "week":
		return d - (dayOfWeek(d)+6)%7
	}
	return d
}

// truncTs truncates a timestamp to the start of its part; ok is false
// when that start (of a week, month, ... before the first day of the
// TIMESTAMP range) lies outside the range.
func truncTs(part string, us int64) (int64, bool) {
	days := floorDiv(us, microsPerDay)
	tod := us - days*microsPerDay
	unit, subDay := microsPerPart(part)
	if !subDay {
		return timestampOf(truncDate(part, days), 0)
	}
	return timestampOf(days, tod/unit*unit)
}
