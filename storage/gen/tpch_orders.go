package gen

import "github.com/recq/recq/storage"

// The dates of clause 4.2.3: orders are placed from STARTDATE to ENDDATE
// minus 151 days; CURRENTDATE decides return flags and line statuses.
var (
	startDate     = int64(storage.DaysFromCivil(1992, 1, 1))
	currentDate   = int64(storage.DaysFromCivil(1995, 6, 17))
	lastOrderDate = int64(storage.DaysFromCivil(1998, 12, 31)) - 151
)

// order is one order with its lines, as both the orders and the lineitem
// tables see it: generate draws the same numbers in the same sequence
// whichever table is being written.
type order struct {
	key, cust, date, clerk int64
	total                  int64 // cents
	priority               int
	status                 byte // F, O or P
	comment                string
	nlines                 int
	lines                  [7]line
}

type line struct {
	part, supp, qty, disc, tax int64 // qty in units, disc and tax in hundredths
	ship, commit, receipt      int64
	flag, status               byte // R/A/N; F/O
	instruct, mode             int
	comment                    string
}

// orderKey is the key of the i-th order (0-based): keys are sparse, the
// first 8 of every 32 are used (clause 4.2.3).
func orderKey(i int64) int64 { return i/8*32 + i%8 + 1 }

// customerKey maps k in 1..(customers - customers/3) to the k-th customer
// key that is not a multiple of 3: a third of the customers (the keys
// divisible by 3) place no orders.
func customerKey(k int64) int64 { return k + (k-1)/2 }

// generate fills o with the i-th order and its lines.
func (o *order) generate(u *unitGen, i int64) {
	r, sc := u.r, u.sc
	o.key = orderKey(i)
	o.cust = customerKey(1 + r.Int64N(sc.Customers-sc.Customers/3))
	o.date = startDate + r.Int64N(lastOrderDate-startDate+1)
	o.priority = r.IntN(len(priorities))
	o.clerk = 1 + r.Int64N(sc.Clerks)
	o.comment = text(r, 19, 78)
	o.nlines = 1 + r.IntN(7)
	var total int64 // in 1e-6 of a cent-unit: cents x (100-disc) x (100+tax)
	shipped := 0
	for k := range o.nlines {
		l := &o.lines[k]
		l.part = 1 + r.Int64N(sc.Parts)
		l.supp = suppKey(l.part, r.Int64N(4), sc.Suppliers)
		l.qty = 1 + r.Int64N(50)
		l.disc = r.Int64N(11)
		l.tax = r.Int64N(9)
		l.ship = o.date + 1 + r.Int64N(121)
		l.commit = o.date + 30 + r.Int64N(61)
		l.receipt = l.ship + 1 + r.Int64N(30)
		l.flag = 'N'
		if l.receipt <= currentDate {
			l.flag = 'R'
			if r.IntN(2) == 0 {
				l.flag = 'A'
			}
		}
		l.status = 'O'
		if l.ship <= currentDate {
			l.status = 'F'
			shipped++
		}
		l.instruct = r.IntN(len(shipInstructs))
		l.mode = r.IntN(len(shipModes))
		l.comment = text(r, 10, 43)
		total += l.qty * retailCents(l.part) * (100 - l.disc) * (100 + l.tax)
	}
	// O_TOTALPRICE: sum of extendedprice x (1 + tax) x (1 - discount),
	// rounded half up to cents.
	o.total = (total + 5000) / 10000
	switch shipped {
	case o.nlines:
		o.status = 'F'
	case 0:
		o.status = 'O'
	default:
		o.status = 'P'
	}
}
