package scan

import (
	"fmt"
	"runtime/debug"
)

// InternalError is a panic inside a worker goroutine (a bug in recq),
// recovered and turned into the query's error so that it cannot take the
// host process down. Value is what was passed to panic; Stack is the
// panicking goroutine's stack, for the bug report (Error does not print
// it; Detail does). Statement, when the query layer knows it, is the
// statement that was running.
type InternalError struct {
	Value     any
	Stack     []byte
	Statement string
}

// Recovered builds an InternalError from a value returned by recover(),
// capturing the current goroutine's stack. Call it from the deferred
// function that recovered.
func Recovered(v any) *InternalError {
	if ie, ok := v.(*InternalError); ok {
		return ie // re-raised: keep the original stack
	}
	return &InternalError{Value: v, Stack: debug.Stack()}
}

func (e *InternalError) Error() string {
	msg := fmt.Sprintf("internal error: %v (please report this with the statement)", e.Value)
	if e.Statement != "" {
		msg = e.Statement + ": " + msg
	}
	return msg
}

// Detail is the message followed by the goroutine stack of the panic.
func (e *InternalError) Detail() string {
	return e.Error() + "\n" + string(e.Stack)
}

// Unwrap returns the panic value when it is an error (a runtime error, for
// example), so errors.Is and errors.As see it.
func (e *InternalError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// RecoverTo is deferred at the top of a goroutine: it recovers a panic
// and hands it to fail as an *InternalError. It must be the deferred
// function itself (defer RecoverTo(f)) for recover to see the panic.
func RecoverTo(fail func(error)) {
	if v := recover(); v != nil {
		fail(Recovered(v))
	}
}
