package eventlog_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
)

// BenchmarkRecord measures what recording one event costs the request that
// records it: with the buffered writer (the server's), Record completes
// the event and queues it; the synchronous Log writes it in a transaction
// of its own. The sqlite cases include the writer competing for the CPU
// and, when it falls behind, events written in the request.
func BenchmarkRecord(b *testing.B) {
	ctx := eventlog.WithRequest(context.Background(), eventlog.Request{ID: "req", IP: "10.0.0.1", UserAgent: "bench",
		Actor: store.EventObject{ID: "00uactor", Type: "User"}})
	event := store.Event{EventType: "app.oauth2.as.token.grant.access_token", DisplayMessage: "OAuth2 access token is granted",
		Targets: []store.EventObject{{ID: "0oaclient", Type: "PublicClientApp"}, {ID: "AT.jti", Type: "access_token"}},
		Debug:   map[string]string{"grantType": "client_credentials", "requestedScopes": "read"}}
	run := func(b *testing.B, l *eventlog.Log) {
		b.ReportAllocs()
		cpu := processCPU(b)
		for b.Loop() {
			l.Record(ctx, event)
		}
		b.StopTimer()
		if err := l.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		// The writer's CPU, user and system, not only the wall time
		// Record waited: on a shared machine the two differ.
		b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
		if l.Failed() != 0 {
			b.Fatalf("%d events lost", l.Failed())
		}
	}
	openSQLite := func(b *testing.B) store.Events {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	b.Run("buffered/discard", func(b *testing.B) { run(b, eventlog.Start(discardEvents{}, nil, eventlog.Options{})) })
	b.Run("buffered/sqlite", func(b *testing.B) { run(b, eventlog.Start(openSQLite(b), nil, eventlog.Options{})) })
	b.Run("synchronous/sqlite", func(b *testing.B) { run(b, eventlog.New(openSQLite(b), nil)) })
}

// processCPU is the CPU time the process has used, in every thread.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discardEvents stores nothing, so that only Record and the queue are
// measured.
type discardEvents struct{}

func (discardEvents) AppendEvents(context.Context, []store.Event) error { return nil }

func (discardEvents) ListEvents(context.Context, store.EventQuery) ([]store.Event, error) {
	return nil, nil
}
