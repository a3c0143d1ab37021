package exec

import (
	"fmt"
	"strings"
)

// NewBinary builds l op r. op is one of "OR", "AND", "=", "<>" (or "!="),
// "<", "<=", ">", ">=", "||", "+", "-", "*", "/", "%", "LIKE", "NOT LIKE",
// "ILIKE", "NOT ILIKE", "IS DISTINCT FROM", "IS NOT DISTINCT FROM".
// Operands are converted implicitly (integer -> DECIMAL -> FLOAT64, DATE ->
// TIMESTAMP, a string constant to the other side's type); a mismatch is an
// error sentence such as "cannot compare DATE with VARCHAR".
func NewBinary(op string, l, r Expr) (Expr, error) {
	switch strings.ToUpper(op) {
	case "OR":
		return newLogic(false, l, r)
	case "AND":
		return newLogic(true, l, r)
	case "=", "==":
		return newCompare(opEq, l, r, false)
	case "<>", "!=":
		return newCompare(opNe, l, r, false)
	case "<":
		return newCompare(opLt, l, r, false)
	case "<=":
		return newCompare(opLe, l, r, false)
	case ">":
		return newCompare(opGt, l, r, false)
	case ">=":
		return newCompare(opGe, l, r, false)
	case "IS DISTINCT FROM":
		return newCompare(opNe, l, r, true)
	case "IS NOT DISTINCT FROM":
		return newCompare(opEq, l, r, true)
	case "+":
		return newArith(opAdd, l, r)
	case "-":
		return newArith(opSub, l, r)
	case "*":
		return newArith(opMul, l, r)
	case "/":
		return newArith(opDiv, l, r)
	case "%":
		return newArith(opMod, l, r)
	case "||":
		return newConcatOp(l, r)
	case "LIKE":
		return newLike(l, r, false, false)
	case "NOT LIKE":
		return newLike(l, r, true, false)
	case "ILIKE":
		return newLike(l, r, false, true)
	case "NOT ILIKE":
		return newLike(l, r, true, true)
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

// NewUnary builds op x for op "-", "+" or "NOT".
func NewUnary(op string, x Expr) (Expr, error) {
	switch strings.ToUpper(op) {
	case "-":
		return newNegate(x)
	case "+":
		if t := x.DataType(); !isNumeric(t) && !isNull(t) && !isInterval(t) {
			return nil, fmt.Errorf("cannot apply unary + to %s", TypeName(t))
		}
		return x, nil
	case "NOT":
		return newNot(x)
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}
