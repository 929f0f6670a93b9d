package domain

import (
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Every transition is offered in lifecycleOrder, so LifecycleActions
// leaves none out.
func TestLifecycleActionsCoverEveryTransition(t *testing.T) {
	for action := range transitions {
		if !slices.Contains(lifecycleOrder, action) {
			t.Errorf("action %s is never offered", action)
		}
	}
	if got := LifecycleActions(store.UserDeprovisioned); !slices.Equal(got, []string{ActionActivate}) {
		t.Errorf("DEPROVISIONED offers %v", got)
	}
	if got := LifecycleActions(store.UserSuspended); !slices.Equal(got, []string{ActionUnsuspend, ActionDeactivate}) {
		t.Errorf("SUSPENDED offers %v", got)
	}
}
