package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// AppendEvents stores events in one transaction.
func (s *Store) AppendEvents(ctx context.Context, events []store.Event) error {
	if len(events) == 0 {
		return nil
	}
	return s.inTx(ctx, func(t tx) error {
		for _, e := range events {
			body, err := json.Marshal(e)
			if err != nil {
				return fmt.Errorf("encode event: %w", err)
			}
			if _, err := t.exec(ctx, `INSERT INTO log_events (uuid, published, event_type, severity, actor_id,
				outcome, body) VALUES (?,?,?,?,?,?,?)`, e.UUID, e.Published.UnixMilli(), e.EventType, e.Severity,
				e.Actor.ID, e.Outcome, string(body)); err != nil {
				return s.translate(err)
			}
		}
		return nil
	})
}
