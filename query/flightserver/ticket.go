package flightserver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/recq/recq/query"
)

// A ticket names one endpoint's share of a query. It is self-contained
// (the SQL, the plan's fingerprint and the work), so any server holding
// the same files can redeem it, and signed with HMAC-SHA256 under the
// servers' ticket key, so a client can neither forge one nor change the
// splits of one it was given.

// ticketVersion is the version of the ticket encoding.
const ticketVersion = 1

// ticketMagic starts every ticket.
const ticketMagic = "rqt1"

// The kinds of ticket.
const (
	// kindQuery runs the whole statement on the server that redeems it.
	kindQuery = "query"
	// kindScan runs the leaf fragment on some splits: the rows of a plan
	// without aggregation, ORDER BY or LIMIT, in file order.
	kindScan = "scan"
	// kindBucket merges the groups of one hash bucket of an aggregation.
	kindBucket = "bucket"
)

// ticket is the signed body of a Flight ticket.
type ticket struct {
	V    int    `json:"v"`
	Kind string `json:"k"`
	SQL  string `json:"q"`
	// Args are the values of the statement's ? parameters (kindQuery).
	Args []param `json:"a,omitempty"`
	// FP is the distributed plan's fingerprint (kindScan, kindBucket).
	FP string `json:"fp,omitempty"`
	// Splits are the splits to read: a scan endpoint's share, or all the
	// splits of a bucketed aggregation.
	Splits []query.Split `json:"s,omitempty"`
	// ID identifies one execution of a bucketed aggregation: its
	// buckets share the leaves' states (kindBucket).
	ID string `json:"id,omitempty"`
	// Bucket of Buckets (kindBucket).
	Bucket  int `json:"b,omitempty"`
	Buckets int `json:"n,omitempty"`
	// Exp is when the ticket expires (Unix seconds).
	Exp int64 `json:"exp"`
}

// errBadTicket is the kind of the errors of a ticket that cannot be used.
var errBadTicket = errors.New("invalid ticket")

type ticketError struct{ msg string }

func (e *ticketError) Error() string   { return "invalid ticket: " + e.msg }
func (e *ticketError) Is(t error) bool { return t == errBadTicket }

// signTicket encodes and signs a ticket.
func signTicket(key []byte, t ticket) ([]byte, error) {
	t.V = ticketVersion
	body, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(ticketMagic)+len(body)+sha256.Size)
	out = append(out, ticketMagic...)
	out = append(out, body...)
	m := hmac.New(sha256.New, key)
	m.Write(out)
	return m.Sum(out), nil
}

// openTicket checks a ticket's signature and expiry and decodes it.
func openTicket(key, b []byte, now time.Time) (ticket, error) {
	var t ticket
	if len(b) < len(ticketMagic)+sha256.Size || string(b[:len(ticketMagic)]) != ticketMagic {
		return t, &ticketError{"not a recq ticket"}
	}
	signed, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	m := hmac.New(sha256.New, key)
	m.Write(signed)
	if !hmac.Equal(sum, m.Sum(nil)) {
		return t, &ticketError{"bad signature (issued by a server with another ticket key, or altered)"}
	}
	if err := json.Unmarshal(signed[len(ticketMagic):], &t); err != nil {
		return t, &ticketError{err.Error()}
	}
	if t.V != ticketVersion {
		return t, &ticketError{fmt.Sprintf("encoding version %d, this server reads version %d", t.V, ticketVersion)}
	}
	if now.Unix() > t.Exp {
		return t, &ticketError{"expired: run the query again for fresh endpoints"}
	}
	switch t.Kind {
	case kindQuery, kindScan:
	case kindBucket:
		if t.Buckets < 1 || t.Bucket < 0 || t.Bucket >= t.Buckets {
			return t, &ticketError{fmt.Sprintf("bucket %d of %d", t.Bucket, t.Buckets)}
		}
	default:
		return t, &ticketError{fmt.Sprintf("unknown kind %q", t.Kind)}
	}
	return t, nil
}
