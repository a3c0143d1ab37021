package query

import "github.com/recq/recq/exec"

var execJoinTypes = map[joinKind]exec.JoinType{
	joinInner: exec.JoinInner, joinLeft: exec.JoinLeft, joinRight: exec.JoinRight, joinFull: exec.JoinFull,
	joinSemi: exec.JoinSemi, joinAnti: exec.JoinAnti, joinNullAwareAnti: exec.JoinNullAwareAnti,
	joinSingle: exec.JoinSingle, joinMark: exec.JoinMark,
}

// lowerJoin lowers a join: a hash join when it has equality keys (the
// build side as choose_build_side decided), else a nested-loop join.
// The output columns are the node's, in order: when the build side is
// the left input, the hash join outputs right then left and a Project
// puts them back.
func (lw *lowerer) lowerJoin(j *JoinNode) (exec.Operator, error) {
	// registered before the inputs are lowered: lowerScan attaches them
	sinks := lw.keySinks(j)
	left, err := lw.lower(j.left)
	if err != nil {
		return nil, err
	}
	right, err := lw.lower(j.right)
	if err != nil {
		return nil, err
	}
	lcols, rcols := j.left.Columns(), j.right.Columns()
	both := newLayout(append(append([]Column(nil), lcols...), rcols...))
	markName := ""
	if j.mark != nil {
		markName = j.mark.Name
	}
	if len(j.leftKeys) == 0 {
		if j.buildLeft {
			return nil, internalErr("a nested-loop join cannot build its left input")
		}
		var cond exec.Expr
		if len(j.cond) > 0 {
			conds, err := lowerExprs(j.cond, both)
			if err != nil {
				return nil, err
			}
			if cond, err = exec.NewAnd(conds...); err != nil {
				return nil, posErr(j.pos, "%v", err)
			}
		}
		op, err := exec.NewNestedLoopJoin(left, right, cond, execJoinTypes[j.kind], lw.budget, "NestedLoop"+j.Line())
		if err != nil {
			return nil, posErr(j.pos, "%v", err)
		}
		lw.endsExecution(op)
		return op, nil
	}
	probe, build := left, right
	probeCols, buildCols := lcols, rcols
	probeKeys, buildKeys := j.leftKeys, j.rightKeys
	probeLeft, kind, typ := j.hashSides()
	if !probeLeft {
		probe, build = right, left
		probeCols, buildCols = rcols, lcols
		probeKeys, buildKeys = j.rightKeys, j.leftKeys
	}
	spec := exec.HashJoinSpec{Probe: probe, Build: build, NullEqual: j.nullEqual, Type: typ, MarkName: markName, Budget: lw.budget, KeySinks: sinks}
	if spec.ProbeKeys, err = lowerExprs(probeKeys, newLayout(probeCols)); err != nil {
		return nil, err
	}
	if spec.BuildKeys, err = lowerExprs(buildKeys, newLayout(buildCols)); err != nil {
		return nil, err
	}
	outCols := append(append([]Column(nil), probeCols...), buildCols...)
	if len(j.cond) > 0 {
		conds, err := lowerExprs(j.cond, newLayout(outCols))
		if err != nil {
			return nil, err
		}
		if spec.Residual, err = exec.NewAnd(conds...); err != nil {
			return nil, posErr(j.pos, "%v", err)
		}
	}
	spec.Label = "Hash" + j.Line()
	op, err := exec.NewHashJoin(spec)
	if err != nil {
		return nil, posErr(j.pos, "%v", err)
	}
	lw.endsExecution(op)
	if !j.buildLeft || !kind.emitsBoth() {
		return op, nil
	}
	// Put the columns back in the node's order: left then right.
	l := newLayout(outCols)
	var exprs []exec.Expr
	var names []string
	for _, c := range j.Columns() {
		exprs = append(exprs, exec.Col(l.index[c.ID], l.names[c.ID], c.Type))
		names = append(names, c.Name)
	}
	return exec.NewProject(op, exprs, names), nil
}

// endsExecution has the plan's release end op's execution state.
func (lw *lowerer) endsExecution(op exec.Operator) {
	if s, ok := op.(exec.ExecutionState); ok {
		lw.releases = append(lw.releases, s.EndExecution)
	}
}

// hashSides says how a hash join runs j: whether the left input is the
// probe side (else the right one is, choose_build_side having chosen to
// hash the left), the join's kind with the probe side as its left input,
// and the exec join type.
func (j *JoinNode) hashSides() (probeLeft bool, kind joinKind, typ exec.JoinType) {
	if !j.buildLeft {
		return true, j.kind, execJoinTypes[j.kind]
	}
	switch j.kind {
	case joinSemi: // the left rows to keep are hashed; the right input streams
		return false, j.kind, exec.JoinRightSemi
	case joinAnti:
		return false, j.kind, exec.JoinRightAnti
	}
	kind = j.kind.swapped()
	return false, kind, execJoinTypes[kind]
}

// emitsBoth reports whether a join of this kind outputs both inputs'
// columns.
func (k joinKind) emitsBoth() bool {
	switch k {
	case joinInner, joinLeft, joinRight, joinFull, joinSingle:
		return true
	}
	return false
}

// lowerSetOp lowers UNION [ALL] (a union, then a DISTINCT aggregate for
// UNION), INTERSECT [ALL] and EXCEPT [ALL] (hash counts per side).
func (lw *lowerer) lowerSetOp(s *SetOpNode) (exec.Operator, error) {
	left, err := lw.lower(s.left)
	if err != nil {
		return nil, err
	}
	right, err := lw.lower(s.right)
	if err != nil {
		return nil, err
	}
	var op exec.Operator
	switch s.op {
	case "UNION":
		if op, err = exec.NewUnion(left, right); err != nil {
			return nil, internalErr("%v", err)
		}
		if !s.all {
			in := op.Schema().Fields()
			groups := make([]exec.Expr, len(in))
			names := make([]string, len(in))
			for i, f := range in {
				groups[i] = exec.Col(i, f.Name, f.Type)
				names[i] = s.cols[i].Name
			}
			op = exec.NewAggregate(op, groups, names, nil, nil, lw.budget)
		}
	case "INTERSECT", "EXCEPT":
		kind := exec.SetIntersect
		if s.op == "EXCEPT" {
			kind = exec.SetExcept
		}
		if op, err = exec.NewSetOp(left, right, kind, s.all, lw.budget); err != nil {
			return nil, internalErr("%v", err)
		}
	default:
		return nil, internalErr("unknown set operation %s", s.op)
	}
	return op, nil
}
