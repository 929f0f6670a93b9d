package domain

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Service runs the administrative operations: the Management API and the
// admin console call its methods, so each rule lives here once. Every
// change it makes is recorded in the System Log.
type Service struct {
	Store  store.Store
	Events eventlog.Recorder
	Now    func() time.Time
	// Sealer seals the secrets of client_secret_jwt apps; may be nil when
	// no master key is configured.
	Sealer SecretSealer
}

// record writes one System Log event about an administrative change.
func (s *Service) record(ctx context.Context, eventType, message string, targets ...store.EventObject) {
	if s.Events == nil {
		return
	}
	s.Events.Record(ctx, store.Event{EventType: eventType, DisplayMessage: message, Targets: targets})
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
