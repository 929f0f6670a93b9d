package login

import (
	"sync"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	th := NewThrottle(3, time.Minute, clock)

	for i := 0; i < 3; i++ {
		ok, done := th.Attempt("Ann@example.com", "10.0.0.1")
		if !ok {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
		done(false)
	}
	tests := []struct {
		name  string
		login string
		ip    string
		want  bool
	}{
		{"same login, any case, same address", "ANN@example.com", "10.0.0.1", false},
		{"same login from another address", "ann@example.com", "10.0.0.2", false},
		{"another login from the same address", "bob@example.com", "10.0.0.1", false},
		{"another login from another address", "bob@example.com", "10.0.0.2", true},
	}
	for _, tt := range tests {
		got, done := th.Attempt(tt.login, tt.ip)
		done(true) // a success hands the attempt back, so cases do not interfere
		if got != tt.want {
			t.Errorf("%s: Attempt = %v, want %v", tt.name, got, tt.want)
		}
	}
	now = now.Add(time.Minute)
	if ok, _ := th.Attempt("ann@example.com", "10.0.0.1"); !ok {
		t.Error("not allowed again after the refill interval")
	}
}

// Concurrent attempts each take from the budget before any outcome is
// known, so no more than the burst get through at once.
func TestThrottleConcurrentAttempts(t *testing.T) {
	th := NewThrottle(5, time.Minute, time.Now)
	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := th.Attempt("bob@example.com", "10.0.0.9"); ok {
				mu.Lock()
				admitted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if admitted != 5 {
		t.Errorf("%d concurrent attempts admitted, want the burst of 5", admitted)
	}
	// Successful attempts give their slot back.
	th2 := NewThrottle(1, time.Hour, time.Now)
	for i := 0; i < 3; i++ {
		ok, done := th2.Attempt("carol@example.com", "10.0.0.10")
		if !ok {
			t.Fatalf("attempt %d after successes refused", i+1)
		}
		done(true)
	}
}
