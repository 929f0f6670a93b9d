package login

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle slows password guessing: each login, and each client address,
// may fail a few sign-ins in a burst, then one more per refill interval.
// Only failures are charged. Checking before a password check and charging
// after it leaves a window for concurrent guesses; callers close it by
// checking while they hold one of the few password-hashing slots
// (domain.Authenticate's gate), so at most that many guesses pass at once. Unknown
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

// Allowed reports whether a sign-in for login from clientIP may be tried now.
func (t *Throttle) Allowed(login, clientIP string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range throttleKeys(login, clientIP) {
		if b, ok := t.buckets[k]; ok && b.lim.TokensAt(now) < 1 {
			return false
		}
	}
	return true
}

// Failed records a failed sign-in.
func (t *Throttle) Failed(login, clientIP string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.buckets) > 100_000 {
		t.prune(now)
	}
	for _, k := range throttleKeys(login, clientIP) {
		b, ok := t.buckets[k]
		if !ok {
			b = &bucket{lim: rate.NewLimiter(t.limit, t.burst)}
			t.buckets[k] = b
		}
		b.lim.AllowN(now, 1)
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
