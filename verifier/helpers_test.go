package verifier_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/verifier"
	"github.com/gatehouse-auth/gatehouse/verifier/verifiertest"
)

// clock is a settable clock shared by a fake issuer and a verifier.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1_750_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// setup starts a fake issuer and a verifier for it, both on clk.
func setup(t *testing.T, opts ...verifier.Option) (*verifiertest.Issuer, *verifier.Verifier, *clock) {
	t.Helper()
	clk := newClock()
	iss := verifiertest.NewIssuer(t, verifiertest.WithClock(clk.Now))
	return iss, newVerifier(t, iss, clk, opts...), clk
}

func newVerifier(t *testing.T, iss *verifiertest.Issuer, clk *clock, opts ...verifier.Option) *verifier.Verifier {
	t.Helper()
	v, err := verifier.New(iss.Issuer(), iss.Audience(), append([]verifier.Option{verifier.WithClock(clk.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
