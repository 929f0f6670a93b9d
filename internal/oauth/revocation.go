package oauth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// revocationLookups answers "is this jti revoked?" for the requests that
// ask at the same time with one query: introspection and userinfo ask on
// every call, and a query apiece was most of an introspection's cost (a
// round trip on PostgreSQL, a read transaction on SQLite).
//
// A request that finds fewer than parallel queries running starts one for
// itself and for whoever joins meanwhile; requests arriving while the
// queries run wait for the next, which starts as soon as one ends. Two at
// a time keep SQLite's reads on both of a core's Ps (one at a time cost it
// a quarter of its introspections at 32 clients), while on PostgreSQL the
// shared round trips doubled them. Every answer therefore
// comes from a query begun after its request arrived, so it sees every
// revocation committed before then, exactly as a query of its own would.
type revocationLookups struct {
	revokedAmong func(ctx context.Context, jtis []string) (map[string]bool, error)

	parallel int // queries at once at most

	mu      sync.Mutex
	pending []*revocationLookup // waiting for the next query
	runners int                 // queries running or about to
}

type revocationLookup struct {
	jti     string
	revoked bool
	err     error
	done    chan struct{}
}

// maxRevocationBatch bounds one query's IN list.
const maxRevocationBatch = 64

// revocationQueryTimeout bounds one shared query: it serves several
// requests, so it does not run under any one request's context.
const revocationQueryTimeout = 5 * time.Second

// revocationQueriesAtOnce is the servers' parallel.
const revocationQueriesAtOnce = 2

func newRevocationLookups(parallel int, revokedAmong func(context.Context, []string) (map[string]bool, error)) *revocationLookups {
	return &revocationLookups{revokedAmong: revokedAmong, parallel: max(1, parallel)}
}

// revoked reports whether jti is revoked.
func (l *revocationLookups) revoked(ctx context.Context, jti string) (bool, error) {
	q := &revocationLookup{jti: jti, done: make(chan struct{})}
	l.mu.Lock()
	l.pending = append(l.pending, q)
	lead := l.runners < l.parallel
	if lead {
		l.runners++
	}
	l.mu.Unlock()
	if lead {
		l.run(ctx)
	}
	select {
	case <-q.done:
		return q.revoked, q.err
	case <-ctx.Done():
		// As the store reports a query its request's deadline cut short.
		return false, fmt.Errorf("%w: waiting for a revocation check: %w", store.ErrUnavailable, ctx.Err())
	}
}

// run queries for one batch of the pending lookups and leaves the next
// batch to a goroutine, so that under steady load no request
// keeps serving others' lookups. The caller's context lends its values
// (logging) but not its cancellation.
func (l *revocationLookups) run(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	l.mu.Lock()
	n := min(len(l.pending), maxRevocationBatch)
	if n == 0 { // another runner took them
		l.runners--
		l.mu.Unlock()
		return
	}
	batch := l.pending[:n:n]
	l.pending = l.pending[n:]
	l.mu.Unlock()

	jtis := make([]string, len(batch))
	for i, q := range batch {
		jtis[i] = q.jti
	}
	qctx, cancel := context.WithTimeout(ctx, revocationQueryTimeout)
	revoked, err := l.revokedAmong(qctx, jtis)
	cancel()
	for _, q := range batch {
		q.revoked, q.err = revoked[q.jti], err
		close(q.done)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) == 0 {
		l.runners--
		return
	}
	go l.run(ctx)
}
