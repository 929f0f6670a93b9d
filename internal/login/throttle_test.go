package login

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	th := NewThrottle(3, time.Minute, clock)

	for i := 0; i < 3; i++ {
		if !th.Allowed("Ann@example.com", "10.0.0.1") {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
		th.Failed("ann@example.com", "10.0.0.1")
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
		if got := th.Allowed(tt.login, tt.ip); got != tt.want {
			t.Errorf("%s: Allowed = %v, want %v", tt.name, got, tt.want)
		}
	}
	now = now.Add(time.Minute)
	if !th.Allowed("ann@example.com", "10.0.0.1") {
		t.Error("not allowed again after the refill interval")
	}
}
