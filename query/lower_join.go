package query

import "github.com/recq/recq/exec"

func (lw *lowerer) lowerJoin(j *JoinNode) (exec.Operator, error) {
	return nil, posErr(j.pos, "joins are not supported yet")
}

func (lw *lowerer) lowerSetOp(s *SetOpNode) (exec.Operator, error) {
	return nil, internalErr("set operations are not supported yet")
}
