package gen

import (
	"strings"

	"github.com/recq/recq/storage"
)

// lineitem by row count (Write, Rows; by scale factor see
// lineitemByScale) follows TPC-H (revision 3) section 4.2.3: orders of 1 to 7
// lines with sparse order keys, part and supplier keys scaled to the row
// count, quantity 1-50, extended price = quantity x the part's retail
// price, discount 0.00-0.10, tax 0.00-0.08, ship dates 1 to 121 days after
// the order date (1992-01-01 .. 1998-08-02), commit 30 to 90 days after it,
// receipt 1 to 30 days after shipping, return flag R/A before the current
// date 1995-06-17 and N after, line status F/O by ship date. Its orders,
// parts and suppliers are not those of the other tables; its bytes for a
// seed are fixed (testdata/lineitem.rec was made by it).
var lineitem = &Table{
	Name:     "lineitem",
	Describe: "TPC-H lineitem: 16 columns, integer keys, DECIMAL(15,2) amounts, dates, CHAR text",
	fields: []column{
		{storage.Field{Name: "l_orderkey", Type: storage.TInt64}, 10},
		{storage.Field{Name: "l_partkey", Type: storage.TInt64}, 8},
		{storage.Field{Name: "l_suppkey", Type: storage.TInt64}, 6},
		{storage.Field{Name: "l_linenumber", Type: storage.TInt32}, 2},
		{storage.Field{Name: "l_quantity", Type: storage.TDecimal(15, 2)}, 6},
		{storage.Field{Name: "l_extendedprice", Type: storage.TDecimal(15, 2)}, 10},
		{storage.Field{Name: "l_discount", Type: storage.TDecimal(15, 2)}, 4},
		{storage.Field{Name: "l_tax", Type: storage.TDecimal(15, 2)}, 4},
		{storage.Field{Name: "l_returnflag", Type: storage.TChar(1)}, 1},
		{storage.Field{Name: "l_linestatus", Type: storage.TChar(1)}, 1},
		{storage.Field{Name: "l_shipdate", Type: storage.TDate}, 10},
		{storage.Field{Name: "l_commitdate", Type: storage.TDate}, 10},
		{storage.Field{Name: "l_receiptdate", Type: storage.TDate}, 10},
		{storage.Field{Name: "l_shipinstruct", Type: storage.TChar(25)}, 25},
		{storage.Field{Name: "l_shipmode", Type: storage.TChar(10)}, 10},
		{storage.Field{Name: "l_comment", Type: storage.TChar(44)}, 44},
	},
	newRow: newLineitemRow,
	scaled: lineitemByScale,
}

var (
	shipInstructs = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	shipModes     = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	// commentWords is a small vocabulary in the spirit of the TPC-H text
	// grammar (nouns, verbs, adjectives, adverbs).
	commentWords = strings.Fields(`furiously carefully quickly slyly blithely ironic final regular express
		pending special bold even unusual silent idle deposits requests accounts packages theodolites
		instructions foxes pinto beans platelets dependencies asymptotes courts dolphins excuses ideas
		sleep wake nag haggle use cajole boost integrate detect affix along across above among about`)
)

func newLineitemRow(seed uint64, rows int64) rowFunc {
	r := newRand(seed)
	parts := max(1000, rows/30)
	supps := max(10, parts/20)
	startDate := int64(storage.DaysFromCivil(1992, 1, 1))
	lastOrderDate := int64(storage.DaysFromCivil(1998, 8, 2))
	currentDate := int64(storage.DaysFromCivil(1995, 6, 17))
	var (
		orderIndex int64 = -1
		orderKey   int64
		orderDate  int64
		linesLeft  int
		lineNumber int32
	)
	var comment strings.Builder
	return func(_ int64, vals []any) {
		if linesLeft == 0 {
			orderIndex++
			// Order keys are sparse: the first 8 of every 32 are used.
			orderKey = orderIndex/8*32 + orderIndex%8 + 1
			orderDate = startDate + r.Int64N(lastOrderDate-startDate+1)
			linesLeft = 1 + r.IntN(7)
			lineNumber = 0
		}
		linesLeft--
		lineNumber++
		partKey := 1 + r.Int64N(parts)
		suppIdx := int64(r.IntN(4))
		suppKey := (partKey+suppIdx*(supps/4+(partKey-1)/supps))%supps + 1
		qty := 1 + r.Int64N(50)
		retailCents := 90000 + (partKey/10)%20001 + 100*(partKey%1000)
		shipDate := orderDate + 1 + r.Int64N(121)
		commitDate := orderDate + 30 + r.Int64N(61)
		receiptDate := shipDate + 1 + r.Int64N(30)
		returnFlag := "N"
		if receiptDate <= currentDate {
			returnFlag = "R"
			if r.IntN(2) == 0 {
				returnFlag = "A"
			}
		}
		lineStatus := "F"
		if shipDate > currentDate {
			lineStatus = "O"
		}
		comment.Reset()
		want := 10 + r.IntN(34)
		for comment.Len() < want {
			if comment.Len() > 0 {
				comment.WriteByte(' ')
			}
			comment.WriteString(commentWords[r.IntN(len(commentWords))])
		}
		c := comment.String()
		if len(c) > 43 {
			c = strings.TrimRight(c[:43], " ")
		}
		vals[0] = orderKey
		vals[1] = partKey
		vals[2] = suppKey
		vals[3] = int64(lineNumber)
		vals[4] = storage.DecimalValue{Unscaled: qty * 100, Scale: 2}
		vals[5] = storage.DecimalValue{Unscaled: qty * retailCents, Scale: 2}
		vals[6] = storage.DecimalValue{Unscaled: r.Int64N(11), Scale: 2}
		vals[7] = storage.DecimalValue{Unscaled: r.Int64N(9), Scale: 2}
		vals[8] = returnFlag
		vals[9] = lineStatus
		vals[10] = storage.DateValue(shipDate)
		vals[11] = storage.DateValue(commitDate)
		vals[12] = storage.DateValue(receiptDate)
		vals[13] = shipInstructs[r.IntN(len(shipInstructs))]
		vals[14] = shipModes[r.IntN(len(shipModes))]
		vals[15] = c
	}
}
