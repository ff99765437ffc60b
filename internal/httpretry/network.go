package httpretry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// NetworkError is an attempt that got no complete HTTP response: a connection failure, a reset
// or a per-attempt timeout. Do retries it as Transient, or as NotSent when the request never left.
type NetworkError struct {
	// Op names the call, e.g. "ncp: GET /path".
	Op string
	// Err is what went wrong.
	Err error
	// Attempts is how many attempts the call made; Do sets it.
	Attempts int
}

// Error formats the error as "OP: cause (after N attempts)".
func (e *NetworkError) Error() string {
	msg := e.Op + ": " + e.Err.Error()
	if e.Attempts > 1 {
		msg += " (after " + strconv.Itoa(e.Attempts) + " attempts)"
	}
	return msg
}

func (e *NetworkError) Unwrap() error { return e.Err }

// NetworkFailure explains err, from an attempt made under attemptCtx (which ends after timeout)
// that got no complete response. The caller's ctx ending is returned as such ("OP: context
// canceled") and is not retried, and so is a dial the guard refused (ErrForbiddenAddress: it
// would be refused again); anything else is a *NetworkError, saying so when the attempt timed out.
func NetworkFailure(ctx, attemptCtx context.Context, op string, timeout time.Duration, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // the URL would repeat the query; op names the call
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", op, ctxErr)
	}
	if errors.Is(err, ErrForbiddenAddress) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if errors.Is(attemptCtx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("attempt timed out after %s: %w", timeout, err)
	}
	return &NetworkError{Op: op, Err: err}
}
