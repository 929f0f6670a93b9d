package login

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle slows password guessing: each login, and each client address,
// may fail a few sign-ins in a burst, then one more per refill interval. Unknown
// logins are throttled like known ones, so throttling reveals nothing.
// Counters live in this process; a fleet of replicas multiplies the budget
// by the replica count, which still stops online guessing at scale.
type Throttle struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	limit   rate.Limit
	burst   int
	now     func() time.Time
}

type bucket struct {
	lim *rate.Limiter
}

// NewThrottle allows burst failures, refilled at one per interval.
func NewThrottle(burst int, interval time.Duration, now func() time.Time) *Throttle {
	return &Throttle{buckets: map[string]*bucket{}, limit: rate.Every(interval), burst: burst, now: now}
}

func throttleKeys(login, clientIP string) []string {
	return []string{"login:" + strings.ToLower(strings.TrimSpace(login)), "ip:" + clientIP}
}

// Attempt takes one attempt from the budgets of login and clientIP at
// once, so that concurrent guesses cannot all pass a check made before any
// of them failed. ok is false when either budget is spent. The caller
// reports the outcome with done: a success hands the attempt back.
func (t *Throttle) Attempt(login, clientIP string) (ok bool, done func(success bool)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.buckets) > 100_000 {
		t.prune(now)
	}
	var taken []*rate.Reservation
	for _, k := range throttleKeys(login, clientIP) {
		b, exists := t.buckets[k]
		if !exists {
			b = &bucket{lim: rate.NewLimiter(t.limit, t.burst)}
			t.buckets[k] = b
		}
		r := b.lim.ReserveN(now, 1)
		if !r.OK() || r.DelayFrom(now) > 0 {
			r.CancelAt(now)
			for _, prev := range taken {
				prev.CancelAt(now)
			}
			return false, func(bool) {}
		}
		taken = append(taken, r)
	}
	return true, func(success bool) {
		if !success {
			return
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, r := range taken {
			r.CancelAt(now) // at the reservation's own time: later it would be spent
		}
	}
}

// prune forgets buckets that have refilled completely.
func (t *Throttle) prune(now time.Time) {
	for k, b := range t.buckets {
		if b.lim.TokensAt(now) >= float64(t.burst) {
			delete(t.buckets, k)
		}
	}
}
