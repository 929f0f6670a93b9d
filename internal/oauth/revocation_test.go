package oauth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// TestRevocationLookupsShareQueries: requests asking while a query runs
// are answered together by the next one, each with its own answer.
func TestRevocationLookupsShareQueries(t *testing.T) {
	revokedSet := map[string]bool{"AT.r1": true, "AT.r7": true}
	firstQuery := make(chan struct{})
	release := make(chan struct{})
	var mu sync.Mutex
	var batches [][]string
	l := newRevocationLookups(1, func(_ context.Context, jtis []string) (map[string]bool, error) {
		mu.Lock()
		batches = append(batches, append([]string(nil), jtis...))
		first := len(batches) == 1
		mu.Unlock()
		if first {
			close(firstQuery)
			<-release // hold the first query while the others queue
		}
		out := map[string]bool{}
		for _, j := range jtis {
			if revokedSet[j] {
				out[j] = true
			}
		}
		return out, nil
	})

	const n = 20
	got := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	wg.Go(func() { got[0], errs[0] = l.revoked(context.Background(), "AT.r0") })
	<-firstQuery
	for i := 1; i < n; i++ {
		wg.Go(func() { got[i], errs[i] = l.revoked(context.Background(), fmt.Sprintf("AT.r%d", i)) })
	}
	// Let the waiters queue behind the running query, then free it.
	for {
		l.mu.Lock()
		queued := len(l.pending)
		l.mu.Unlock()
		if queued == n-1 {
			break
		}
	}
	close(release)
	wg.Wait()

	for i := range n {
		want := revokedSet[fmt.Sprintf("AT.r%d", i)]
		if errs[i] != nil || got[i] != want {
			t.Errorf("AT.r%d: revoked %v (%v), want %v", i, got[i], errs[i], want)
		}
	}
	if len(batches) != 2 || len(batches[0]) != 1 || len(batches[1]) != n-1 {
		t.Errorf("batches %v: want the first lookup alone, then the %d that waited in one query", batches, n-1)
	}
	// The last query's runner stands down once it has answered.
	for {
		l.mu.Lock()
		running, pending := l.runners > 0, len(l.pending)
		l.mu.Unlock()
		if pending != 0 {
			t.Fatalf("%d lookups left pending", pending)
		}
		if !running {
			break
		}
	}
}

func TestRevocationLookupsReportErrorsAndCancellation(t *testing.T) {
	broken := errors.New("database down")
	l := newRevocationLookups(1, func(context.Context, []string) (map[string]bool, error) { return nil, broken })
	if revoked, err := l.revoked(context.Background(), "AT.x"); !errors.Is(err, broken) || revoked {
		t.Errorf("revoked %v, err %v; want the store's error", revoked, err)
	}

	block := make(chan struct{})
	defer close(block)
	l = newRevocationLookups(1, func(context.Context, []string) (map[string]bool, error) { <-block; return nil, nil })
	go l.revoked(context.Background(), "AT.slow") // holds the query
	for {
		l.mu.Lock()
		running := l.runners > 0
		l.mu.Unlock()
		if running {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.revoked(ctx, "AT.waiting"); !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("a cancelled request waiting for a query: %v", err)
	}
}

// A batch larger than one query's bound is split.
func TestRevocationLookupsBoundBatches(t *testing.T) {
	var mu sync.Mutex
	largest := 0
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	l := newRevocationLookups(1, func(_ context.Context, jtis []string) (map[string]bool, error) {
		mu.Lock()
		largest = max(largest, len(jtis))
		mu.Unlock()
		select {
		case started <- struct{}{}:
			<-release
		default:
		}
		return map[string]bool{}, nil
	})
	var wg sync.WaitGroup
	wg.Go(func() { l.revoked(context.Background(), "AT.first") })
	<-started
	for i := range 3 * maxRevocationBatch {
		wg.Go(func() { l.revoked(context.Background(), fmt.Sprint("AT.", i)) })
	}
	for {
		l.mu.Lock()
		queued := len(l.pending)
		l.mu.Unlock()
		if queued == 3*maxRevocationBatch {
			break
		}
	}
	close(release)
	wg.Wait()
	if largest != maxRevocationBatch {
		t.Errorf("largest query %d, want %d", largest, maxRevocationBatch)
	}
}

// With two queries at a time, many concurrent lookups each still get
// their own answer, and the runners stand down when all are answered.
func TestRevocationLookupsInParallel(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	l := newRevocationLookups(2, func(_ context.Context, jtis []string) (map[string]bool, error) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		out := map[string]bool{}
		for _, j := range jtis {
			if len(j)%2 == 0 {
				out[j] = true
			}
		}
		return out, nil
	})
	const n = 300
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			jti := fmt.Sprint("AT.", i)
			got, err := l.revoked(context.Background(), jti)
			if err != nil || got != (len(jti)%2 == 0) {
				t.Errorf("%s: %v, %v", jti, got, err)
			}
		})
	}
	wg.Wait()
	if most > 2 {
		t.Errorf("%d queries at once, want at most 2", most)
	}
	for {
		l.mu.Lock()
		runners := l.runners
		l.mu.Unlock()
		if runners == 0 {
			break
		}
	}
}
