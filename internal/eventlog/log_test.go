package eventlog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// memEvents is a store.Events that keeps each batch it is given.
type memEvents struct {
	mu      sync.Mutex
	batches [][]store.Event
	// fail refuses a batch holding an event of this type.
	fail string
	// gate, when set, blocks the first AppendEvents until it is closed;
	// entered is closed once that call has begun.
	gate, entered chan struct{}
	gated         bool
}

func (m *memEvents) AppendEvents(ctx context.Context, events []store.Event) error {
	m.mu.Lock()
	gate := m.gate
	if gate != nil && !m.gated {
		m.gated = true
		m.mu.Unlock()
		close(m.entered)
		<-gate
		m.mu.Lock()
	}
	defer m.mu.Unlock()
	for _, e := range events {
		if m.fail != "" && e.EventType == m.fail {
			return errors.New("refused")
		}
	}
	m.batches = append(m.batches, slices.Clone(events))
	return nil
}

func (m *memEvents) ListEvents(context.Context, store.EventQuery) ([]store.Event, error) {
	return nil, errors.New("not used")
}

func (m *memEvents) types() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, b := range m.batches {
		for _, e := range b {
			out = append(out, e.EventType)
		}
	}
	return out
}

func (m *memEvents) sizes() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []int
	for _, b := range m.batches {
		out = append(out, len(b))
	}
	return out
}

func record(l *eventlog.Log, types ...string) {
	for _, t := range types {
		l.Record(context.Background(), store.Event{EventType: t})
	}
}

func seq(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

// slow never writes on its own during a test: only size, Flush and Close do.
var slow = eventlog.Options{Interval: time.Hour}

func closeLog(t *testing.T, l *eventlog.Log) {
	t.Helper()
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRecordCompletesFromRequest(t *testing.T) {
	st := &memEvents{}
	now := time.Date(2026, 1, 2, 3, 4, 5, 678_901_234, time.UTC)
	l := eventlog.Start(st, func() time.Time { return now }, slow)
	ctx := eventlog.WithRequest(context.Background(), eventlog.Request{ID: "req1", IP: "10.0.0.9", UserAgent: "curl/8",
		Actor: store.EventObject{ID: "00uadmin", Type: "User"}})
	l.Record(ctx, store.Event{EventType: "a"})
	l.Record(ctx, store.Event{EventType: "b", Actor: store.EventObject{ID: "00uself", Type: "User"}, Outcome: "FAILURE", Severity: "WARN"})
	closeLog(t, l)
	got := st.batches[0]
	a, b := got[0], got[1]
	if a.UUID == "" || a.UUID == b.UUID || !a.Published.Equal(now.Truncate(time.Millisecond)) || a.RequestID != "req1" ||
		a.ClientIP != "10.0.0.9" || a.UserAgent != "curl/8" || a.Actor.ID != "00uadmin" || a.Severity != "INFO" || a.Outcome != "SUCCESS" {
		t.Fatalf("completed event %+v", a)
	}
	if b.Actor.ID != "00uself" || b.Outcome != "FAILURE" || b.Severity != "WARN" {
		t.Fatalf("an event's own fields were overwritten: %+v", b)
	}
}

func TestBatching(t *testing.T) {
	cases := []struct {
		name      string
		batchSize int
		n         int
		want      []int
	}{
		{"full batches then the rest on flush", 3, 7, []int{3, 3, 1}},
		{"one batch", 200, 150, []int{150}},
		{"exact batches", 2, 4, []int{2, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &memEvents{}
			l := eventlog.Start(st, nil, eventlog.Options{BatchSize: c.batchSize, Interval: time.Hour})
			defer closeLog(t, l)
			want := seq("e", c.n)
			record(l, want...)
			if err := l.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := st.sizes(); !slices.Equal(got, c.want) {
				t.Fatalf("batch sizes %v, want %v", got, c.want)
			}
			if got := st.types(); !slices.Equal(got, want) {
				t.Fatalf("order %v, want %v", got, want)
			}
		})
	}
}

func TestIntervalWritesWithoutFlush(t *testing.T) {
	st := &memEvents{}
	l := eventlog.Start(st, nil, eventlog.Options{Interval: 10 * time.Millisecond})
	defer closeLog(t, l)
	record(l, "a", "b")
	deadline := time.Now().Add(5 * time.Second)
	for len(st.types()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("events not written within the interval: %v", st.types())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := st.sizes(); !slices.Equal(got, []int{2}) {
		t.Fatalf("batches %v, want one of 2", got)
	}
}

func TestFlushHonoursContext(t *testing.T) {
	st := &memEvents{gate: make(chan struct{}), entered: make(chan struct{})}
	l := eventlog.Start(st, nil, eventlog.Options{BatchSize: 1, Interval: time.Hour})
	record(l, "stuck") // the writer blocks in the store
	<-st.entered
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush on a stuck writer: %v, want the context's deadline", err)
	}
	close(st.gate)
	closeLog(t, l)
	if got := st.types(); !slices.Equal(got, []string{"stuck"}) {
		t.Fatalf("stored %v", got)
	}
}

func TestCloseWritesQueuedAndLater(t *testing.T) {
	st := &memEvents{}
	l := eventlog.Start(st, nil, slow)
	record(l, "a", "b", "c")
	closeLog(t, l)
	if got := st.types(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("after Close: %v", got)
	}
	// A late event (a request finishing during shutdown) is still written.
	record(l, "late")
	if err := l.Flush(context.Background()); err != nil {
		t.Fatalf("Flush after Close: %v", err)
	}
	closeLog(t, l) // twice is fine
	if got := st.types(); !slices.Equal(got, []string{"a", "b", "c", "late"}) {
		t.Fatalf("after a late record: %v", got)
	}
}

func TestFullQueueWaitsForRoom(t *testing.T) {
	st := &memEvents{gate: make(chan struct{}), entered: make(chan struct{})}
	l := eventlog.Start(st, nil, eventlog.Options{QueueSize: 1, BatchSize: 1, Interval: time.Hour, MaxWait: 10 * time.Second})
	record(l, "first") // taken by the writer, which blocks in the store
	<-st.entered
	record(l, "second") // fills the queue
	time.AfterFunc(50*time.Millisecond, func() { close(st.gate) })
	start := time.Now()
	record(l, "third") // waits until the writer makes room
	if waited := time.Since(start); waited < 40*time.Millisecond {
		t.Fatalf("Record returned after %v with a full queue: it should have waited for room", waited)
	}
	closeLog(t, l)
	if got := st.types(); !slices.Equal(got, []string{"first", "second", "third"}) || l.Dropped() != 0 {
		t.Fatalf("stored %v, dropped %d: nothing may be lost", got, l.Dropped())
	}
}

func TestStuckWriterDropsAndWarns(t *testing.T) {
	logs := captureLogs(t)
	st := &memEvents{gate: make(chan struct{}), entered: make(chan struct{})}
	const maxWait = 100 * time.Millisecond
	l := eventlog.Start(st, nil, eventlog.Options{QueueSize: 1, BatchSize: 1, Interval: time.Hour, MaxWait: maxWait})
	record(l, "first")
	<-st.entered
	record(l, "second")
	start := time.Now()
	record(l, "dropped1") // waits maxWait, then gives up
	if waited := time.Since(start); waited < maxWait {
		t.Fatalf("gave up after %v, before MaxWait", waited)
	}
	start = time.Now()
	record(l, "dropped2") // the writer is known stuck: no second wait
	if waited := time.Since(start); waited >= maxWait {
		t.Fatalf("a second event waited %v for a stuck writer", waited)
	}
	if l.Dropped() != 2 {
		t.Fatalf("Dropped() = %d, want 2", l.Dropped())
	}
	if out := logs.String(); strings.Count(out, "system log queue full") != 1 || !strings.Contains(out, "event_type=dropped1") {
		t.Fatalf("want one warning about the drops, got %q", out)
	}
	// Once the writer succeeds again, events queue normally.
	close(st.gate)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	record(l, "after")
	closeLog(t, l)
	if got := st.types(); !slices.Equal(got, []string{"first", "second", "after"}) || l.Dropped() != 2 {
		t.Fatalf("stored %v, dropped %d", got, l.Dropped())
	}
}

func captureLogs(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&lockedWriter{w: &buf}, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return &buf
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

func TestFailureIsLoggedAndIsolated(t *testing.T) {
	logs := captureLogs(t)
	st := &memEvents{fail: "bad"}
	l := eventlog.Start(st, nil, slow)
	record(l, "a", "bad", "b")
	closeLog(t, l)
	if got := st.types(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("stored %v: a refused event must not take its batch with it", got)
	}
	if l.Failed() != 1 {
		t.Fatalf("Failed() = %d, want 1", l.Failed())
	}
	if out := logs.String(); !strings.Contains(out, "system log write failed") || !strings.Contains(out, "first_event_type=bad") {
		t.Fatalf("log output %q does not report the lost event", out)
	}
	// The synchronous Log reports failures the same way.
	sync := eventlog.New(st, nil)
	record(sync, "bad")
	if sync.Failed() != 1 {
		t.Fatalf("synchronous Failed() = %d", sync.Failed())
	}
}

func TestConcurrentRecordAndFlush(t *testing.T) {
	st := &memEvents{}
	l := eventlog.Start(st, nil, eventlog.Options{QueueSize: 16, BatchSize: 7, Interval: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			record(l, seq(fmt.Sprintf("g%d-", g), 100)...)
			if err := l.Flush(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	closeLog(t, l)
	var events []store.Event
	for _, b := range st.batches {
		events = append(events, b...)
	}
	if len(events) != 800 {
		t.Fatalf("stored %d events, want 800", len(events))
	}
	// An overflow is written before the queue it overflowed, but readers
	// order by (published, uuid): in that order each goroutine's events
	// are in the order it recorded them.
	slices.SortFunc(events, func(a, b store.Event) int {
		if c := a.Published.Compare(b.Published); c != 0 {
			return c
		}
		return strings.Compare(a.UUID, b.UUID)
	})
	for g := range 8 {
		prefix := fmt.Sprintf("g%d-", g)
		var mine []string
		for _, e := range events {
			if strings.HasPrefix(e.EventType, prefix) {
				mine = append(mine, e.EventType)
			}
		}
		if !slices.Equal(mine, seq(prefix, 100)) {
			t.Fatalf("goroutine %d's events out of order", g)
		}
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 20 {
		l := eventlog.Start(&memEvents{}, nil, eventlog.Options{Interval: time.Millisecond})
		record(l, "a")
		closeLog(t, l)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after closing, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDirectWritesAtOnceAndFlushesTheLog(t *testing.T) {
	st := &memEvents{}
	l := eventlog.Start(st, nil, slow)
	defer closeLog(t, l)
	record(l, "queued")
	direct := l.Direct()
	direct.Record(context.Background(), store.Event{EventType: "admin.change"})
	if got := st.types(); !slices.Equal(got, []string{"admin.change"}) {
		t.Fatalf("after a direct record: %v", got)
	}
	var f eventlog.Flusher = direct
	if err := f.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := st.types(); !slices.Equal(got, []string{"admin.change", "queued"}) {
		t.Fatalf("after Flush: %v", got)
	}
}
