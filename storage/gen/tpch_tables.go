package gen

import (
	"math/rand/v2"

	"github.com/recq/recq/storage"
)

// The TPC-H tables by scale factor (specification revision 3, clause
// 4.2.3). Column names and types are the specification's: identifiers
// BIGINT, other integers INTEGER, money DECIMAL(15,2), dates DATE, and
// CHAR(n) and VARCHAR(n) both as fixed-width CHAR(n) fields.

func col(name string, t storage.Type, textWidth int) column {
	return column{storage.Field{Name: name, Type: t}, textWidth}
}

var (
	tBig   = storage.TInt64
	tInt   = storage.TInt32
	tMoney = storage.TDecimal(15, 2)
	tDate  = storage.TDate
	tChar  = storage.TChar
)

var part = &Table{
	Name:     "part",
	Describe: "TPC-H part: SF x 200,000 rows",
	fields: []column{
		col("p_partkey", tBig, 10),
		col("p_name", tChar(55), 55),
		col("p_mfgr", tChar(25), 25),
		col("p_brand", tChar(10), 10),
		col("p_type", tChar(25), 25),
		col("p_size", tInt, 2),
		col("p_container", tChar(10), 10),
		col("p_retailprice", tMoney, 8),
		col("p_comment", tChar(23), 23),
	},
	scaled: &scaled{
		stream:   streamPart,
		units:    func(sc *Scale) int64 { return sc.Parts },
		estimate: func(sc *Scale) int64 { return sc.Parts },
		unit:     partRow,
	},
}

// retailCents is P_RETAILPRICE in cents for a part key (clause 4.2.3).
func retailCents(partKey int64) int64 {
	return 90000 + (partKey/10)%20001 + 100*(partKey%1000)
}

func partRow(u *unitGen, i int64, out func() error) error {
	r, v := u.r, u.vals
	key := i + 1
	// P_NAME: five distinct color words.
	var used [2]uint64 // a bit per color
	name := u.buf[:0]
	for k := 0; k < 5; {
		c := r.IntN(len(colors))
		if used[c/64]&(1<<(c%64)) != 0 {
			continue
		}
		used[c/64] |= 1 << (c % 64)
		if k > 0 {
			name = append(name, ' ')
		}
		name = append(name, colors[c]...)
		k++
	}
	m := r.IntN(5)
	v[0] = key
	v[1] = string(name)
	v[2] = mfgrsAny[m]
	v[3] = brandsAny[m*5+r.IntN(5)]
	v[4] = partTypesAny[r.IntN(len(partTypes))]
	v[5] = int64(1 + r.IntN(50))
	v[6] = partContainersAny[r.IntN(len(partContainers))]
	v[7] = cents(retailCents(key))
	v[8] = text(r, 5, 22)
	return out()
}

var supplier = &Table{
	Name:     "supplier",
	Describe: "TPC-H supplier: SF x 10,000 rows",
	fields: []column{
		col("s_suppkey", tBig, 10),
		col("s_name", tChar(25), 25),
		col("s_address", tChar(40), 40),
		col("s_nationkey", tBig, 2),
		col("s_phone", tChar(15), 15),
		col("s_acctbal", tMoney, 8),
		col("s_comment", tChar(101), 101),
	},
	scaled: &scaled{
		stream:   streamSupplier,
		units:    func(sc *Scale) int64 { return sc.Suppliers },
		estimate: func(sc *Scale) int64 { return sc.Suppliers },
		unit:     supplierRow,
	},
}

// Of every 10,000 suppliers, 5 have "Customer ... Complaints" in their
// comment and 5 "Customer ... Recommends" (SF x 5 rows of each).
const supplierRemarkPer10k = 5

func supplierRow(u *unitGen, i int64, out func() error) error {
	r, v := u.r, u.vals
	key := i + 1
	nation := r.Int64N(int64(len(nations)))
	v[0] = key
	v[1] = keyName(u.buf, "Supplier#", key)
	v[2] = vstring(r, u.buf, 10, 40)
	v[3] = nation
	v[4] = phone(r, u.buf, nation)
	v[5] = cents(r.Int64N(1_099_999) - 99_999) // -999.99 .. 9,999.99
	comment := text(r, 25, 100)
	switch x := r.IntN(10_000); {
	case x < supplierRemarkPer10k:
		comment = insertRemark(r, u.buf, comment, "Complaints")
	case x < 2*supplierRemarkPer10k:
		comment = insertRemark(r, u.buf, comment, "Recommends")
	}
	v[6] = comment
	return out()
}

// insertRemark overwrites part of a supplier comment with "Customer ",
// some of the comment's own text, then the word (clause 4.2.3, as the
// reference generator does it), keeping the comment's length.
func insertRemark(r *rand.Rand, buf []byte, comment, word string) string {
	const customer = "Customer "
	b := append(buf[:0], comment...)
	room := len(b) - len(customer) - len(word)
	noise := r.IntN(room + 1)
	off := r.IntN(room - noise + 1)
	copy(b[off:], customer)
	copy(b[off+len(customer)+noise:], word)
	return string(b)
}

var partsupp = &Table{
	Name:     "partsupp",
	Describe: "TPC-H partsupp: 4 suppliers per part, SF x 800,000 rows",
	fields: []column{
		col("ps_partkey", tBig, 10),
		col("ps_suppkey", tBig, 10),
		col("ps_availqty", tInt, 4),
		col("ps_supplycost", tMoney, 7),
		col("ps_comment", tChar(199), 199),
	},
	scaled: &scaled{
		stream:   streamPartsupp,
		units:    func(sc *Scale) int64 { return sc.Parts },
		estimate: func(sc *Scale) int64 { return 4 * sc.Parts },
		unit:     partsuppRows,
	},
}

// suppKey is the i-th (0..3) supplier of a part (clause 4.2.3), for
// PS_SUPPKEY and L_SUPPKEY alike.
func suppKey(partKey, i, suppliers int64) int64 {
	return (partKey+i*(suppliers/4+(partKey-1)/suppliers))%suppliers + 1
}

func partsuppRows(u *unitGen, i int64, out func() error) error {
	r, v := u.r, u.vals
	key := i + 1
	for k := range int64(4) {
		v[0] = key
		v[1] = suppKey(key, k, u.sc.Suppliers)
		v[2] = int64(1 + r.IntN(9999))
		v[3] = cents(100 + r.Int64N(99_901)) // 1.00 .. 1,000.00
		v[4] = text(r, 49, 198)
		if err := out(); err != nil {
			return err
		}
	}
	return nil
}

var customer = &Table{
	Name:     "customer",
	Describe: "TPC-H customer: SF x 150,000 rows",
	fields: []column{
		col("c_custkey", tBig, 10),
		col("c_name", tChar(25), 25),
		col("c_address", tChar(40), 40),
		col("c_nationkey", tBig, 2),
		col("c_phone", tChar(15), 15),
		col("c_acctbal", tMoney, 8),
		col("c_mktsegment", tChar(10), 10),
		col("c_comment", tChar(117), 117),
	},
	scaled: &scaled{
		stream:   streamCustomer,
		units:    func(sc *Scale) int64 { return sc.Customers },
		estimate: func(sc *Scale) int64 { return sc.Customers },
		unit:     customerRow,
	},
}

func customerRow(u *unitGen, i int64, out func() error) error {
	r, v := u.r, u.vals
	key := i + 1
	nation := r.Int64N(int64(len(nations)))
	v[0] = key
	v[1] = keyName(u.buf, "Customer#", key)
	v[2] = vstring(r, u.buf, 10, 40)
	v[3] = nation
	v[4] = phone(r, u.buf, nation)
	v[5] = cents(r.Int64N(1_099_999) - 99_999)
	v[6] = segmentsAny[r.IntN(len(segments))]
	v[7] = text(r, 29, 116)
	return out()
}

var orders = &Table{
	Name:     "orders",
	Describe: "TPC-H orders: SF x 1,500,000 rows, consistent with lineitem",
	fields: []column{
		col("o_orderkey", tBig, 10),
		col("o_custkey", tBig, 10),
		col("o_orderstatus", tChar(1), 1),
		col("o_totalprice", tMoney, 10),
		col("o_orderdate", tDate, 10),
		col("o_orderpriority", tChar(15), 15),
		col("o_clerk", tChar(15), 15),
		col("o_shippriority", tInt, 1),
		col("o_comment", tChar(79), 79),
	},
	scaled: &scaled{
		stream:   streamOrders,
		units:    func(sc *Scale) int64 { return sc.Orders },
		estimate: func(sc *Scale) int64 { return sc.Orders },
		unit:     ordersRow,
	},
}

func ordersRow(u *unitGen, i int64, out func() error) error {
	o := &u.order
	o.generate(u, i)
	v := u.vals
	v[0] = o.key
	v[1] = o.cust
	v[2] = letter(o.status)
	v[3] = cents(o.total)
	v[4] = storage.DateValue(o.date)
	v[5] = prioritiesAny[o.priority]
	v[6] = keyName(u.buf, "Clerk#", o.clerk)
	v[7] = int64(0)
	v[8] = o.comment
	return out()
}

// lineitemByScale is lineitem's generator by scale factor: the lines of
// the orders table's orders, with its parts and suppliers. The row-count
// generator (newLineitemRow) stays as it was, for the files made by it.
var lineitemByScale = &scaled{
	stream:   streamOrders,
	units:    func(sc *Scale) int64 { return sc.Orders },
	estimate: func(sc *Scale) int64 { return 4*sc.Orders + sc.Orders/50 + 1000 }, // 4 lines per order on average
	unit:     lineitemRows,
}

func lineitemRows(u *unitGen, i int64, out func() error) error {
	o := &u.order
	o.generate(u, i)
	v := u.vals
	for k := range o.nlines {
		l := &o.lines[k]
		v[0] = o.key
		v[1] = l.part
		v[2] = l.supp
		v[3] = int64(k + 1)
		v[4] = centsAny(l.qty * 100)
		v[5] = cents(l.qty * retailCents(l.part))
		v[6] = centsAny(l.disc)
		v[7] = centsAny(l.tax)
		v[8] = letter(l.flag)
		v[9] = letter(l.status)
		v[10] = storage.DateValue(l.ship)
		v[11] = storage.DateValue(l.commit)
		v[12] = storage.DateValue(l.receipt)
		v[13] = shipInstructsAny[l.instruct]
		v[14] = shipModesAny[l.mode]
		v[15] = l.comment
		if err := out(); err != nil {
			return err
		}
	}
	return nil
}

var nation = &Table{
	Name:     "nation",
	Describe: "TPC-H nation: 25 rows",
	fields: []column{
		col("n_nationkey", tBig, 2),
		col("n_name", tChar(25), 25),
		col("n_regionkey", tBig, 1),
		col("n_comment", tChar(152), 152),
	},
	scaled: &scaled{
		stream:   streamNation,
		units:    func(*Scale) int64 { return int64(len(nations)) },
		estimate: func(*Scale) int64 { return int64(len(nations)) },
		unit: func(u *unitGen, i int64, out func() error) error {
			u.vals[0], u.vals[1], u.vals[2], u.vals[3] = i, nations[i].name, nations[i].region, text(u.r, 31, 114)
			return out()
		},
	},
}

var region = &Table{
	Name:     "region",
	Describe: "TPC-H region: 5 rows",
	fields: []column{
		col("r_regionkey", tBig, 1),
		col("r_name", tChar(25), 25),
		col("r_comment", tChar(152), 152),
	},
	scaled: &scaled{
		stream:   streamRegion,
		units:    func(*Scale) int64 { return int64(len(regions)) },
		estimate: func(*Scale) int64 { return int64(len(regions)) },
		unit: func(u *unitGen, i int64, out func() error) error {
			u.vals[0], u.vals[1], u.vals[2] = i, regions[i], text(u.r, 31, 115)
			return out()
		},
	},
}
