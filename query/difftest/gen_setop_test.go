package difftest

import (
	"fmt"
	"strings"
)

// exceptBug: recq's EXCEPT (without ALL) returns a left row that the right
// side also has when the left side has it more than once (SELECT 1 FROM
// (VALUES (1), (1)) v(a) EXCEPT SELECT 1 returns 1: exec.SetOp.copies
// caps EXCEPT ALL's count at one instead of testing the right count for
// zero). While it is true, EXCEPT is generated only as the first
// operator, with a DISTINCT left side. Set it to false to test the fix.
const exceptBug = false

// setOpQuery generates two or three SELECTs over one table or a join each,
// combined with UNION [ALL], INTERSECT and EXCEPT, with ORDER BY and
// LIMIT over the whole. SQLite has no INTERSECT ALL or EXCEPT ALL, and
// gives all its set operators the same precedence (left to right) where
// SQL gives INTERSECT the higher one: INTERSECT is generated only at the
// start of the chain, where the two readings agree. Every output column
// is an exact value of one class (integers, strings, dates, booleans) in
// all branches, so duplicates are the same in both engines.
func (g *gen) setOpQuery() genQuery {
	classes := make([]class, 1+g.r.IntN(3))
	for i := range classes {
		classes[i] = pick(g.r, cNum, cNum, cStr, cStr, cDate, cBool)
	}
	var q genQuery
	var first []expr
	onlyIntersect := true
	n := 2 + g.r.IntN(2)
	ops := make([]string, n)
	for b := 1; b < n; b++ {
		choice := []string{"UNION", "UNION ALL", "UNION ALL", "EXCEPT"}
		if onlyIntersect {
			choice = append(choice, "INTERSECT", "INTERSECT")
		}
		if exceptBug && b > 1 {
			choice = choice[:3]
		}
		ops[b] = pick(g.r, choice...)
		onlyIntersect = onlyIntersect && ops[b] == "INTERSECT"
	}
	for b := range n {
		if b > 0 {
			q.r += " " + ops[b] + " "
			q.s += " " + ops[b] + " "
		}
		distinct := ""
		if b == 0 && exceptBug && n > 1 && ops[1] == "EXCEPT" {
			distinct = "DISTINCT "
		}
		g.branchScope()
		var rs, ss []string
		for i, cls := range classes {
			e := g.setItem(cls)
			if b == 0 {
				first = append(first, e)
			}
			rs = append(rs, fmt.Sprintf("%s AS c%d", e.r, i+1))
			ss = append(ss, fmt.Sprintf("%s AS c%d", e.s, i+1))
		}
		wr, ws := g.where()
		q.r += "SELECT " + distinct + strings.Join(rs, ", ") + g.sc.fromR + wr
		q.s += "SELECT " + distinct + strings.Join(ss, ", ") + g.sc.fromS + ws
	}
	q.r, q.s = g.with(false)+q.r, g.with(true)+q.s
	return g.orderLimit(q, first, true)
}

// branchScope sets the scope of one branch of a set operation: one base
// table, or now and then a join.
func (g *gen) branchScope() {
	if g.chance(5) {
		g.sc = g.joinScope()
		return
	}
	t := g.table(pick(g.r, "t", "t", "p", "q", "z"))
	g.sc = singleScope(t, g.chance(3))
}

// setItem generates an exact expression of class cls (integers for
// numbers) for a set operation's select list.
func (g *gen) setItem(cls class) expr {
	for range 3 {
		var e expr
		switch cls {
		case cNum:
			e = g.intExpr(1)
		case cStr:
			e = g.strExpr(1)
		case cDate:
			e = g.dateExpr(1, true)
		default:
			e = g.pred(1)
		}
		if e.exact {
			return e
		}
	}
	cs := g.cols(func(c *column) bool { return c.cls == cls && (cls != cNum || c.nk == nInt) })
	return g.colExpr(pick(g.r, cs...))
}
