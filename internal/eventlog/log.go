package eventlog

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Defaults of a buffered Log.
const (
	DefaultQueueSize = 4096
	DefaultBatchSize = 200
	DefaultInterval  = 100 * time.Millisecond
	DefaultMaxWait   = 250 * time.Millisecond
	// writeTimeout bounds one write, so that a database that stops
	// answering cannot stall the writer (or Close) indefinitely.
	writeTimeout = 10 * time.Second
)

// Options tune a buffered Log; zero values take the defaults.
type Options struct {
	// QueueSize is how many events may wait for the writer.
	QueueSize int
	// BatchSize is the most events written in one transaction.
	BatchSize int
	// Interval is the longest an event waits before it is written.
	Interval time.Duration
	// MaxWait is how long Record waits for room in a full queue before
	// it drops the event.
	MaxWait time.Duration
}

// Log records events in a store. A Log made by New writes each event as it
// is recorded; one made by Start hands events to a background writer that
// stores them in batches, one transaction each, and must be closed.
//
// When the writer's queue is full, Record waits up to MaxWait for room: a
// burst slows the requests that cause it down to the pace of batched
// writes, and loses nothing. Writing the event in the request instead would
// turn one batch into many one-event transactions, competing with the
// writer for the database just when it is behind. Only when the writer
// stays stuck past MaxWait (the database is down or stalled) is the event
// dropped, counted (Dropped) and warned about; until the writer succeeds
// again, further events are dropped at once rather than each making its
// request wait. Events the database refuses are counted too (Failed).
type Log struct {
	st       store.Events
	now      func() time.Time
	batch    int
	interval time.Duration
	maxWait  time.Duration

	// mu guards closed against Record sending on queue while Close
	// closes it; Record holds it shared, so records do not wait on each
	// other.
	mu      sync.RWMutex
	closed  bool
	queue   chan store.Event
	flushes chan chan struct{}
	done    chan struct{}

	failed  atomic.Int64
	dropped atomic.Int64
	// stalled is set when a Record gave up waiting, and cleared by the
	// writer's next successful write.
	stalled atomic.Bool
	// lastDropWarn is when a drop was last warned about (unix ns), so a
	// long outage warns every dropWarnEvery, not once per event.
	lastDropWarn atomic.Int64
}

// dropWarnEvery spaces the warnings about dropped events.
const dropWarnEvery = 10 * time.Second

// New returns a Log that writes each event synchronously, for tools and
// short-lived processes. Close is a no-op on it.
func New(st store.Events, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{st: st, now: now}
}

// Start returns a Log with a background writer. Close it to write what is
// queued and stop the writer.
func Start(st store.Events, now func() time.Time, o Options) *Log {
	l := New(st, now)
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	l.batch, l.interval, l.maxWait = o.BatchSize, o.Interval, o.MaxWait
	l.queue = make(chan store.Event, o.QueueSize)
	l.flushes = make(chan chan struct{})
	l.done = make(chan struct{})
	go l.run()
	return l
}

// Record completes e from the context and stores it, or queues it for the
// writer. It never fails: a failure is logged.
func (l *Log) Record(ctx context.Context, e store.Event) {
	l.complete(ctx, &e)
	if l.queue != nil {
		l.mu.RLock()
		closed := l.closed
		if !closed {
			queued := l.enqueue(e)
			l.mu.RUnlock()
			if !queued {
				l.drop(e)
			}
			return
		}
		l.mu.RUnlock()
	}
	// Synchronous, or closed: a request finishing during shutdown still
	// has its event written.
	l.write(context.WithoutCancel(ctx), []store.Event{e})
}

// enqueue hands e to the writer, waiting up to maxWait for room unless the
// writer is known to be stuck. The caller holds mu shared.
func (l *Log) enqueue(e store.Event) bool {
	select {
	case l.queue <- e:
		return true
	default:
	}
	if l.stalled.Load() {
		return false
	}
	t := time.NewTimer(l.maxWait)
	defer t.Stop()
	select {
	case l.queue <- e:
		return true
	case <-t.C:
		l.stalled.Store(true)
		return false
	}
}

func (l *Log) drop(e store.Event) {
	n := l.dropped.Add(1)
	now := time.Now().UnixNano()
	last := l.lastDropWarn.Load()
	if now-last >= int64(dropWarnEvery) && l.lastDropWarn.CompareAndSwap(last, now) {
		slog.Warn("system log queue full: events dropped", "dropped_total", n, "event_type", e.EventType, "uuid", e.UUID)
	}
}

// Flush writes every event recorded before it was called, so that a reader
// on this replica sees them. It returns early with ctx's error.
func (l *Log) Flush(ctx context.Context) error {
	if l.queue == nil {
		return nil
	}
	reply := make(chan struct{})
	select {
	case l.flushes <- reply:
	case <-l.done:
		return nil // closed: everything was written
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-reply:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops the writer; events recorded after
// it are written synchronously. It returns early with ctx's error (the
// writer still finishes in the background).
func (l *Log) Close(ctx context.Context) error {
	if l.queue == nil {
		return nil
	}
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Direct returns a Recorder over the same Log that writes each event before
// Record returns, for rare changes whose record must be stored before the
// change is reported done: administrative changes, which an auditor may
// look for at once and which a crash right after the answer must not
// leave unrecorded. Its Flush flushes l.
func (l *Log) Direct() *Direct { return &Direct{l: l} }

// Direct is a synchronous view of a Log; see Log.Direct.
type Direct struct{ l *Log }

// Record completes e from the context and stores it.
func (d *Direct) Record(ctx context.Context, e store.Event) {
	d.l.complete(ctx, &e)
	d.l.write(context.WithoutCancel(ctx), []store.Event{e})
}

// Flush flushes the Log's queue.
func (d *Direct) Flush(ctx context.Context) error { return d.l.Flush(ctx) }

// Failed is how many events the database refused since the Log started.
func (l *Log) Failed() int64 { return l.failed.Load() }

// Dropped is how many events were dropped because the writer's queue
// stayed full.
func (l *Log) Dropped() int64 { return l.dropped.Load() }

// run is the writer: it collects events and writes a batch when it is
// full, when its oldest event has waited an interval, on Flush, and at
// Close.
func (l *Log) run() {
	defer close(l.done)
	batch := make([]store.Event, 0, l.batch)
	timer := time.NewTimer(l.interval)
	timer.Stop()
	defer timer.Stop()
	writeBatch := func() {
		if len(batch) > 0 {
			l.write(context.Background(), batch)
			clear(batch) // drop references to written events
			batch = batch[:0]
		}
		timer.Stop()
	}
	for {
		select {
		case e, ok := <-l.queue:
			if !ok {
				writeBatch()
				return
			}
			batch = append(batch, e)
			if len(batch) == 1 {
				timer.Reset(l.interval)
			}
			if len(batch) >= l.batch {
				writeBatch()
			}
		case <-timer.C:
			writeBatch()
		case reply := <-l.flushes:
			open := l.drain(&batch, writeBatch)
			writeBatch()
			close(reply)
			if !open {
				return
			}
		}
	}
}

// drain moves every queued event into the batch, writing full batches,
// and reports whether the queue is still open.
func (l *Log) drain(batch *[]store.Event, writeBatch func()) bool {
	for {
		select {
		case e, ok := <-l.queue:
			if !ok {
				return false
			}
			*batch = append(*batch, e)
			if len(*batch) >= l.batch {
				writeBatch()
			}
		default:
			return true
		}
	}
}

// write stores events in one transaction. When the batch is refused for
// another reason than an unavailable database, the events are written one
// by one so that one bad event does not take its batch with it.
func (l *Log) write(ctx context.Context, events []store.Event) {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	err := l.st.AppendEvents(ctx, events)
	if err == nil {
		l.stalled.Store(false)
		return
	}
	if len(events) > 1 && !errors.Is(err, store.ErrUnavailable) && ctx.Err() == nil {
		for _, e := range events {
			l.write(ctx, []store.Event{e})
		}
		return
	}
	l.failed.Add(int64(len(events)))
	slog.Warn("system log write failed: events lost", "events", len(events), "first_event_type", events[0].EventType,
		"first_uuid", events[0].UUID, "error", err)
}

func (l *Log) complete(ctx context.Context, e *store.Event) {
	req := RequestFrom(ctx)
	if e.UUID == "" {
		e.UUID = uuid.Must(uuid.NewV7()).String()
	}
	if e.Published.IsZero() {
		// The System Log keeps milliseconds, as Okta's timestamps do.
		e.Published = l.now().UTC().Truncate(time.Millisecond)
	}
	if e.Actor.ID == "" {
		e.Actor = req.Actor
	}
	if e.ClientIP == "" {
		e.ClientIP = req.IP
	}
	if e.UserAgent == "" {
		e.UserAgent = req.UserAgent
	}
	if e.RequestID == "" {
		e.RequestID = req.ID
	}
	if e.Severity == "" {
		e.Severity = "INFO"
	}
	if e.Outcome == "" {
		e.Outcome = "SUCCESS"
	}
}
