package gen

import (
	"math"

	"github.com/recq/recq/storage"
)

// sensors is a small table of sensor readings that exercises every type,
// both byte orders and NULLs: about 5% of each nullable column is NULL,
// readings come every 10 seconds per sensor from 2024-01-01, and a few
// values sit at their type's extremes.
var sensors = &Table{
	Name:     "sensors",
	Describe: "sensor readings: every type, big- and little-endian fields, nullable columns",
	fields: []column{
		{storage.Field{Name: "seq", Type: storage.TInt64}, 10},
		{storage.Field{Name: "sensor_id", Type: storage.TUint16}, 5},
		{storage.Field{Name: "ts", Type: storage.TTimestamp, Format: "YYYY-MM-DD HH:MI:SS.FFFFFF"}, 26},
		{storage.Field{Name: "day", Type: storage.TDate}, 10},
		{storage.Field{Name: "temperature", Type: storage.TFloat32, Nullable: true}, 12},
		{storage.Field{Name: "humidity", Type: storage.TFloat64, Nullable: true, Encoding: storage.BigEndian}, 8},
		{storage.Field{Name: "pressure", Type: storage.TDecimal(7, 2), Nullable: true}, 8},
		{storage.Field{Name: "battery", Type: storage.TUint8}, 3},
		{storage.Field{Name: "delta", Type: storage.TInt16, Nullable: true, Encoding: storage.BigEndian}, 6},
		{storage.Field{Name: "code", Type: storage.TInt8}, 4},
		{storage.Field{Name: "level", Type: storage.TInt32, Encoding: storage.BigEndian}, 11},
		{storage.Field{Name: "flags", Type: storage.TUint32}, 10},
		{storage.Field{Name: "counter", Type: storage.TUint64}, 20},
		{storage.Field{Name: "ok", Type: storage.TBoolean}, 1},
		{storage.Field{Name: "status", Type: storage.TChar(8), Nullable: true}, 8},
	},
	newRow: newSensorRow,
}

var statuses = []string{"OK", "WARN", "FAIL", "MAINT", "OFFLINE"}

func newSensorRow(seed uint64, _ int64) rowFunc {
	r := newRand(seed)
	const sensorsCount = 50
	start := int64(storage.DaysFromCivil(2024, 1, 1)) * 86400 * 1_000_000
	null := func(v any) any {
		if r.IntN(20) == 0 {
			return nil
		}
		return v
	}
	return func(i int64, vals []any) {
		sensor := uint64(i % sensorsCount)
		ts := start + (i/sensorsCount)*10_000_000 + r.Int64N(1_000_000)
		vals[0] = i
		vals[1] = sensor + 1
		vals[2] = storage.TimestampValue(ts)
		vals[3] = storage.DateValue(ts / 86_400_000_000)
		vals[4] = null(float64(float32(15 + 10*math.Sin(float64(i)/500) + r.NormFloat64())))
		vals[5] = null(math.Round((40+20*r.Float64())*100) / 100)
		vals[6] = null(storage.DecimalValue{Unscaled: 95000 + r.Int64N(10000), Scale: 2})
		vals[7] = uint64(100 - (i/1000)%100)
		vals[8] = null(int64(r.IntN(2001) - 1000))
		vals[9] = int64(r.IntN(256) - 128)
		vals[10] = int64(r.Int32())
		if r.IntN(2) == 0 {
			vals[10] = -vals[10].(int64)
		}
		vals[11] = uint64(r.Uint32())
		vals[12] = r.Uint64()
		vals[13] = r.IntN(10) != 0
		vals[14] = null(statuses[r.IntN(len(statuses))])
		switch i {
		case 1:
			vals[9], vals[10], vals[11], vals[12] = int64(math.MinInt8), int64(math.MinInt32), uint64(0), uint64(0)
		case 2:
			vals[9], vals[10], vals[11], vals[12] = int64(math.MaxInt8), int64(math.MaxInt32), uint64(math.MaxUint32), uint64(math.MaxUint64)
		}
	}
}
