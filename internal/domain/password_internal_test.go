package domain

import (
	"context"
	"errors"
	"testing"
	"time"
)

// With every hashing slot taken, a check gives up when its context ends
// instead of piling another 64 MiB hash onto the machine.
func TestCheckPasswordContextWaitsForASlot(t *testing.T) {
	for i := 0; i < cap(hashSlots); i++ {
		hashSlots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := CheckPasswordContext(ctx, "password", dummyHash)
	for i := 0; i < cap(hashSlots); i++ {
		<-hashSlots
	}
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	ok, err := CheckPasswordContext(context.Background(), "not a real password, only for timing", dummyHash)
	if err != nil || !ok {
		t.Errorf("with a free slot: ok=%v err=%v", ok, err)
	}
}
