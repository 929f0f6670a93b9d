package domain

import "slices"

// lifecycleOrder is the order in which an administrator is offered the
// lifecycle actions: the ones that restore access first, then the ones
// that take it away.
var lifecycleOrder = []string{ActionActivate, ActionReactivate, ActionUnlock, ActionUnsuspend,
	ActionResetPassword, ActionExpirePassword, ActionSuspend, ActionDeactivate}

// LifecycleActions lists the lifecycle actions (UserLifecycle) that a
// user in status may undergo, read from the same transitions that
// UserLifecycle enforces, so an offer is never refused for the status.
func LifecycleActions(status string) []string {
	var out []string
	for _, action := range lifecycleOrder {
		if slices.Contains(transitions[action].from, status) {
			out = append(out, action)
		}
	}
	return out
}
