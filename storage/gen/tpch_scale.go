package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/recq/recq/storage"
)

// Scale is a TPC-H scale factor and the table sizes it implies (clause
// 4.2.5): SF x 200,000 parts, 10,000 suppliers, 150,000 customers,
// 1,500,000 orders and 1,000 clerks; partsupp has 4 rows per part,
// lineitem 1 to 7 per order, nation 25 rows and region 5.
type Scale struct {
	SF                                          float64
	Parts, Suppliers, Customers, Orders, Clerks int64
}

// Scale factors recq generates: from 0.01 (100 suppliers, 1,500 customers:
// below it the queries' predicates select next to nothing) to just under
// 100 (lineitem's fixed-width text keeps l_suppkey in 6 digits).
const (
	MinScale = 0.01
	MaxScale = 99.99
)

// NewScale checks a scale factor and computes its table sizes.
func NewScale(sf float64) (*Scale, error) {
	if math.IsNaN(sf) || sf < MinScale || sf > MaxScale {
		return nil, fmt.Errorf("scale factor %v is out of range: use %v to %v (SF 1 is about 1.4 GB of .rec files)", sf, MinScale, MaxScale)
	}
	n := func(base float64) int64 { return max(1, int64(math.Round(sf*base))) }
	return &Scale{SF: sf, Parts: n(200_000), Suppliers: n(10_000), Customers: n(150_000),
		Orders: n(1_500_000), Clerks: n(1_000)}, nil
}

// ScaleOptions configure generation by scale factor.
type ScaleOptions struct {
	// Seed selects the data; the same seed and scale factor give the same
	// bytes whatever the worker count.
	Seed uint64
	// Workers generate chunks in parallel; 0 means GOMAXPROCS.
	Workers int
}

func (o ScaleOptions) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// scaled generates a table by scale factor in units (a part, an order, a
// nation, ...) that each give a fixed set of rows. Units are grouped in
// chunks of unitsPerChunk; every chunk draws from its own random source,
// seeded by the seed, the table's stream and the chunk number, so chunks
// can be generated in any order on any number of workers. Tables whose
// rows must agree (orders and lineitem) share a stream and draw the same
// numbers for the same unit.
type scaled struct {
	stream uint64
	units  func(sc *Scale) int64
	// estimate is the table's row count (exact except for lineitem).
	estimate func(sc *Scale) int64
	// unit puts the rows of unit i into u.vals one at a time, calling out
	// after each.
	unit func(u *unitGen, i int64, out func() error) error
}

const unitsPerChunk = 1000

// The random streams of the tables.
const (
	streamPart uint64 = iota + 1
	streamSupplier
	streamPartsupp
	streamCustomer
	streamOrders // orders and lineitem
	streamNation
	streamRegion
)

// unitGen is one worker's state: the random source of the current chunk
// and scratch space.
type unitGen struct {
	sc    *Scale
	pcg   *rand.PCG
	r     *rand.Rand
	vals  []any
	buf   []byte
	order order
}

func newUnitGen(sc *Scale, fields int) *unitGen {
	pcg := rand.NewPCG(0, 0)
	return &unitGen{sc: sc, pcg: pcg, r: rand.New(pcg), vals: make([]any, fields), buf: make([]byte, 0, 64)}
}

// seedChunk points the random source at a chunk of a stream.
func (u *unitGen) seedChunk(seed, stream uint64, chunk int64) {
	u.pcg.Seed(seed, splitmix(stream<<40^uint64(chunk)))
}

// splitmix is the SplitMix64 finaliser: distinct inputs give unrelated
// outputs.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// chunks returns how many chunks the table has at sc.
func (g *scaled) chunks(sc *Scale) int64 {
	return (g.units(sc) + unitsPerChunk - 1) / unitsPerChunk
}

// runChunk generates chunk c's rows, calling out after each row is in
// u.vals.
func (g *scaled) runChunk(u *unitGen, seed uint64, c int64, out func() error) error {
	u.seedChunk(seed, g.stream, c)
	end := min(g.units(u.sc), (c+1)*unitsPerChunk)
	for i := c * unitsPerChunk; i < end; i++ {
		if err := g.unit(u, i, out); err != nil {
			return err
		}
	}
	return nil
}

// cents makes a DECIMAL(15,2) value.
func cents(c int64) storage.DecimalValue { return storage.DecimalValue{Unscaled: c, Scale: 2} }
