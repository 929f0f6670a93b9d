package verifier

// Hooks for the external tests.

// OnWait makes f run whenever a Verify call starts waiting for a key set
// fetch. Set it before first use.
func OnWait(v *Verifier, f func()) { v.keys.onWait = f }

// WaitForFetch waits until no key set fetch is in flight.
func WaitForFetch(v *Verifier) {
	v.keys.mu.Lock()
	call := v.keys.inflight
	v.keys.mu.Unlock()
	if call != nil {
		<-call.done
	}
}

var (
	ParseKeySet = parseKeySet
	KeySetTTL   = keySetTTL
)
