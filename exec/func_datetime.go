package exec

import (
	"fmt"
	"math"
)

// Date and time functions with DuckDB's names: strftime, strptime,
// try_strptime, date_diff, date_add, make_date, make_timestamp,
// to_timestamp, epoch_ms, epoch_us, last_day, dayname, monthname.

func init() {
	for name, b := range map[string]funcBuilder{
		"strftime":       buildStrftime,
		"strptime":       buildStrptime,
		"try_strptime":   buildStrptime,
		"date_diff":      buildDateDiff,
		"datediff":       buildDateDiff,
		"date_add":       buildDateAdd,
		"make_date":      buildMakeDate,
		"make_timestamp": buildMakeTimestamp,
		"to_timestamp":   buildToTimestamp,
		"epoch_ms":       buildEpochMs,
		"epoch_us":       buildEpochMs,
		"last_day":       buildLastDay,
		"dayname":        buildDayName,
		"monthname":      buildDayName,
	} {
		scalarFuncs[name] = b
	}
}

// strfFormat parses a constant format once, or returns nil when the
// format is a column (parsed per row).
func strfFormat(fn string, e Expr) ([]strfItem, error) {
	s, null, ok := constString(e)
	if !ok || null {
		return nil, nil
	}
	items, err := parseStrf(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	return items, nil
}

// strftime(x, format): x (DATE or TIMESTAMP) as text.
func buildStrftime(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	if _, err := wantString(name, args[1]); err != nil {
		return nil, err
	}
	items, err := strfFormat(name, args[1])
	if err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("ts"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		its := items
		if its == nil {
			var err error
			if its, err = parseStrf(string(r.str(1))); err != nil {
				return errorf(ErrInvalidValue, "%s: %v", name, err)
			}
		}
		o.b = appendStrf(o.b, its, r.int(0))
		return nil
	}}, args)
}

// strptime(text, format): text read as a TIMESTAMP by format (an error if
// it does not match); try_strptime gives NULL instead.
func buildStrptime(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	if _, err := wantString(name, args[1]); err != nil {
		return nil, err
	}
	items, err := strfFormat(name, args[1])
	if err != nil {
		return nil, err
	}
	try := name == "try_strptime"
	return newRowFn(rowFnSpec{name: name, kinds: kinds("ss"), typ: tTs, kernel: func(r *rowIn, o *rowOut) error {
		its := items
		if its == nil {
			var err error
			if its, err = parseStrf(string(r.str(1))); err != nil {
				return errorf(ErrInvalidValue, "%s: %v", name, err)
			}
		}
		v, err := parseStrp(string(r.str(0)), its)
		if err != nil {
			if try {
				o.null = true
				return nil
			}
			return errorf(ErrInvalidValue, "%s: %v", name, err)
		}
		o.i = v
		return nil
	}}, args)
}

// date_diff(part, start, end): the number of part boundaries between
// start and end (DuckDB's date_diff): date_diff('month', DATE
// '2024-01-31', DATE '2024-02-01') is 1.
func buildDateDiff(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 3, 3); err != nil {
		return nil, err
	}
	part, err := partArg(name, args[0])
	if err != nil {
		return nil, err
	}
	unit, subDay := microsPerPart(part)
	switch part {
	case "year", "quarter", "month", "week", "day":
	default:
		if subDay {
			break
		}
		return nil, fmt.Errorf("%s does not support the part '%s' (use year, quarter, month, week, day, hour, minute, second, millisecond or microsecond)", name, part)
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("tt"), typ: tInt64, label: fmt.Sprintf("date_diff('%s', %s, %s)", part, args[1], args[2]), kernel: func(r *rowIn, o *rowOut) error {
		a, b := r.int(0), r.int(1)
		if unit != 0 {
			o.i = floorDiv(b, unit) - floorDiv(a, unit)
			return nil
		}
		da, db := floorDiv(a, microsPerDay), floorDiv(b, microsPerDay)
		ya, ma, _ := civil(da)
		yb, mb, _ := civil(db)
		switch part {
		case "year":
			o.i = yb - ya
		case "quarter":
			o.i = (yb*4 + int64(mb-1)/3) - (ya*4 + int64(ma-1)/3)
		case "month":
			o.i = (yb*12 + int64(mb)) - (ya*12 + int64(ma))
		case "week":
			o.i = floorDiv(truncDate("week", db)-truncDate("week", da), 7)
		default:
			o.i = db - da
		}
		return nil
	}}, args[1:])
}

// date_add(x, interval): x + interval.
func buildDateAdd(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	if t := args[1].DataType(); !isInterval(t) && !isNull(t) {
		return nil, fmt.Errorf("date_add needs an INTERVAL as its second argument, not %s", TypeName(t))
	}
	if _, err := temporalArg(name, args[0]); err != nil {
		return nil, err
	}
	return NewBinary("+", args[0], args[1])
}

// make_date(year, month, day).
func buildMakeDate(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 3, 3); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("iii"), typ: tDate, kernel: func(r *rowIn, o *rowOut) error {
		y, m, d := r.int(0), r.int(1), r.int(2)
		if m < 1 || m > 12 || d < 1 || y < -5877641 || y > 5881580 || d > int64(daysInMonth(y, int(m))) {
			return errorf(ErrOutOfRange, "make_date: %d-%d-%d is not a date", y, m, d)
		}
		o.i = daysFromCivil(y, int(m), int(d))
		if o.i < minDate32 || o.i > maxDate32 {
			return errorf(ErrOutOfRange, "make_date: %d-%d-%d is out of the DATE range", y, m, d)
		}
		return nil
	}}, args)
}

// make_timestamp(year, month, day, hour, minute, seconds) with seconds a
// DOUBLE (fractions are microseconds), or make_timestamp(micros) since
// 1970-01-01.
func buildMakeTimestamp(name string, args []Expr) (Expr, error) {
	if len(args) == 1 {
		return newRowFn(rowFnSpec{name: name, kinds: kinds("i"), typ: tTs, kernel: func(r *rowIn, o *rowOut) error {
			o.i = r.int(0)
			if o.i < minTimestamp {
				return tsRangeError(fmt.Sprintf("make_timestamp(%d)", o.i))
			}
			return nil
		}}, args)
	}
	if len(args) != 6 {
		return nil, fmt.Errorf("make_timestamp takes 6 arguments (year, month, day, hour, minute, seconds) or 1 (microseconds since 1970), got %d", len(args))
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("iiiiif"), typ: tTs, kernel: func(r *rowIn, o *rowOut) error {
		y, m, d, h, mi, s := r.int(0), r.int(1), r.int(2), r.int(3), r.int(4), r.float(5)
		if m < 1 || m > 12 || d < 1 || y < -290309 || y > 294248 || d > int64(daysInMonth(y, int(m))) || h < 0 || h > 23 || mi < 0 || mi > 59 || !(s >= 0 && s < 60) {
			return errorf(ErrOutOfRange, "make_timestamp: %d-%d-%d %d:%d:%s is not a timestamp", y, m, d, h, mi, formatFloat(s))
		}
		tod := h*microsPerHour + mi*microsPerMinute + int64(math.Round(s*microsPerSecond))
		v, ok := timestampOf(daysFromCivil(y, int(m), int(d)), tod)
		if !ok {
			return tsRangeError(fmt.Sprintf("make_timestamp(%d, %d, %d, %d, %d, %s)", y, m, d, h, mi, formatFloat(s)))
		}
		o.i = v
		return nil
	}}, args)
}

// to_timestamp(seconds): the TIMESTAMP that many seconds (a DOUBLE;
// fractions to the microsecond) after 1970-01-01 00:00:00.
func buildToTimestamp(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("f"), typ: tTs, kernel: func(r *rowIn, o *rowOut) error {
		us := math.Round(r.float(0) * microsPerSecond)
		if !(us >= minTimestamp && us < math.MaxInt64) {
			return tsRangeError(fmt.Sprintf("to_timestamp(%s)", formatFloat(r.float(0))))
		}
		o.i = int64(us)
		return nil
	}}, args)
}

// epoch_ms(x) / epoch_us(x): milliseconds / microseconds since 1970 of a
// DATE or TIMESTAMP; epoch_ms(n) of an integer is the TIMESTAMP n
// milliseconds after 1970.
func buildEpochMs(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	div := int64(1000)
	if name == "epoch_us" {
		div = 1
	}
	if t := args[0].DataType(); isInteger(t) && name == "epoch_ms" {
		return newRowFn(rowFnSpec{name: name, kinds: kinds("i"), typ: tTs, kernel: func(r *rowIn, o *rowOut) error {
			v, ok := MulInt64(r.int(0), 1000)
			if !ok || v < minTimestamp {
				return tsRangeError(fmt.Sprintf("epoch_ms(%d)", r.int(0)))
			}
			o.i = v
			return nil
		}}, args)
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("t"), typ: tInt64, kernel: func(r *rowIn, o *rowOut) error {
		o.i = floorDiv(r.int(0), div)
		return nil
	}}, args)
}

// last_day(x): the last day of x's month, as a DATE.
func buildLastDay(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("t"), typ: tDate, kernel: func(r *rowIn, o *rowOut) error {
		y, m, _ := civil(floorDiv(r.int(0), microsPerDay))
		o.i = daysFromCivil(y, m, daysInMonth(y, m))
		return nil
	}}, args)
}

// dayname(x) / monthname(x): 'Monday' .. 'Sunday' / 'January' .. 'December'.
func buildDayName(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("t"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		days := floorDiv(r.int(0), microsPerDay)
		if name == "dayname" {
			o.b = append(o.b, dayNames[dayOfWeek(days)]...)
		} else {
			_, m, _ := civil(days)
			o.b = append(o.b, monthNames[m-1]...)
		}
		return nil
	}}, args)
}
