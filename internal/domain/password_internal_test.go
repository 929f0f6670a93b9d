package domain

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// With every hashing slot taken, a check gives up when its context ends
// instead of piling another hash's memory onto the machine.
func TestHashSlotsBoundConcurrentChecks(t *testing.T) {
	for i := 0; i < cap(hashSlots); i++ {
		hashSlots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	err := withHashSlot(ctx, func() error { ran = true; return nil })
	for i := 0; i < cap(hashSlots); i++ {
		<-hashSlots
	}
	if !errors.Is(err, ErrBusy) || ran {
		t.Fatalf("err = %v, ran = %v, want ErrBusy without running", err, ran)
	}
	if err := withHashSlot(context.Background(), func() error { ran = true; return nil }); err != nil || !ran {
		t.Errorf("with a free slot: err=%v ran=%v", err, ran)
	}
}

// The gate is asked while the slot is held: with every other slot busy,
// concurrent attempts reach it one at a time, so a limit checked there
// cannot be passed by a burst.
func TestAuthenticateAsksTheGateInsideTheSlot(t *testing.T) {
	gate := &countingGate{}
	st := noUsers{}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := Authenticate(context.Background(), st, "nobody@example.com", "x", gate); !errors.Is(err, ErrThrottled) {
				t.Errorf("err = %v, want ErrThrottled", err)
			}
		}()
	}
	wg.Wait()
	if gate.max > cap(hashSlots) {
		t.Errorf("%d attempts were in the gate at once, more than the %d slots", gate.max, cap(hashSlots))
	}
}

// countingGate refuses every attempt and records how many were inside it at once.
type countingGate struct {
	mu       sync.Mutex
	cur, max int
}

func (g *countingGate) Allowed() bool {
	g.mu.Lock()
	g.cur++
	g.max = max(g.max, g.cur)
	g.mu.Unlock()
	time.Sleep(time.Millisecond)
	g.mu.Lock()
	g.cur--
	g.mu.Unlock()
	return false
}

func (g *countingGate) Failed() {}

// noUsers is a directory where no login exists.
type noUsers struct{}

func (noUsers) CreateUser(context.Context, store.User) error { return nil }
func (noUsers) GetUser(context.Context, string) (store.User, error) {
	return store.User{}, store.ErrNotFound
}
func (noUsers) GetUserByLogin(context.Context, string) (store.User, error) {
	return store.User{}, store.ErrNotFound
}
