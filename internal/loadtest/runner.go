package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Level is how one concurrency level of a run is bounded.
type Level struct {
	Concurrency int
	// Duration stops issuing operations after this long (0: no limit).
	// Operations in flight then finish, within Timeout.
	Duration time.Duration
	// Requests stops after this many operations in all (0: no limit).
	Requests int64
	// Timeout bounds one operation (all of its HTTP requests); 0 means 10 s.
	Timeout time.Duration
	// SetupTimeout bounds the preparation of the workers; 0 means 60 s.
	SetupTimeout time.Duration
	// IgnoreRetryAfter makes a worker send its next operation at once
	// after a 503 or 429 with Retry-After, instead of waiting as asked.
	IgnoreRetryAfter bool

	// sleep waits out a backoff; nil means a timer. Tests replace it.
	sleep func(context.Context, time.Duration)
}

// Progress receives a line about once a second while a level runs.
type Progress func(Snapshot)

// Snapshot is the state of a running level.
type Snapshot struct {
	Scenario    string
	Concurrency int
	Elapsed     time.Duration
	Duration    time.Duration // the bound, 0 when none
	OK, Errors  int64
	RecentRPS   float64 // operations per second since the last snapshot
	P99         time.Duration
	Preparing   bool // the workers are being prepared; nothing is timed yet
}

// Result is what one level measured. Latencies are of successful
// operations; failed ones are only counted, by kind.
type Result struct {
	Scenario     string
	Concurrency  int
	Elapsed      time.Duration // from the first operation's start to the last one's end
	Requests     int64         // operations completed, successful or not
	OK           int64
	Errors       map[string]int64  // by Classify kind
	Samples      map[string]string // the first error message of each kind
	HTTPRequests int64             // HTTP requests sent during the level
	// Backoffs counts the pauses workers made because an answer (503 or
	// 429) asked them to with Retry-After.
	Backoffs int64
	Latency  *Histogram
}

// RPS is completed operations per second.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// ErrorCount is the number of failed operations.
func (r Result) ErrorCount() int64 { return r.Requests - r.OK }

// recorder is one worker's tally; its mutex is only contended by the
// once-a-second progress snapshot.
type recorder struct {
	mu      sync.Mutex
	hist    *Histogram
	errors  map[string]int64
	samples map[string]string
}

func (r *recorder) record(d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		r.hist.Record(d)
		return
	}
	kind := Classify(err)
	r.errors[kind]++
	if _, ok := r.samples[kind]; !ok {
		r.samples[kind] = printable(err.Error())
	}
}

// Run runs one level of a scenario: it prepares Concurrency workers, each
// with its own client (own cookie jar) over its own keep-alive connection,
// then lets each perform operations back to back until a bound is reached
// or ctx ends. A worker answered 503 or 429 with Retry-After waits that
// long (at most maxBackoff, and not past the level's end) before its next
// operation, unless IgnoreRetryAfter is set; the wait is in no latency.
// When ctx ends, operations in flight are abandoned and not counted, and
// Run returns what was measured with ctx's error.
func Run(ctx context.Context, name string, sc Scenario, lv Level, progress Progress) (Result, error) {
	if lv.Concurrency < 1 {
		return Result{}, errors.New("concurrency must be at least 1")
	}
	if lv.Duration <= 0 && lv.Requests <= 0 {
		return Result{}, errors.New("a level needs a duration or a request count")
	}
	if lv.Timeout <= 0 {
		lv.Timeout = 10 * time.Second
	}
	if lv.SetupTimeout <= 0 {
		lv.SetupTimeout = 60 * time.Second
	}
	if lv.sleep == nil {
		lv.sleep = sleep
	}
	var httpCount atomic.Int64
	transports := make([]*workerTransport, lv.Concurrency)
	clients := make([]*http.Client, lv.Concurrency)
	for i := range transports {
		transports[i] = &workerTransport{requests: &httpCount}
		clients[i] = NewClient(transports[i])
	}
	defer func() {
		for _, t := range transports {
			t.conn.CloseIdleConnections()
		}
	}()

	if progress != nil {
		progress(Snapshot{Scenario: name, Concurrency: lv.Concurrency, Duration: lv.Duration, Preparing: true})
	}
	if ls, ok := sc.(levelScenario); ok {
		sc = ls.forLevel(lv)
	}
	workers, err := setup(ctx, sc, lv, clients)
	defer func() {
		for _, w := range workers {
			if r, ok := w.(releaser); ok {
				r.Release()
			}
		}
	}()
	if err != nil {
		return Result{}, err
	}

	recs := make([]*recorder, len(workers))
	for i := range recs {
		recs[i] = &recorder{hist: NewHistogram(), errors: map[string]int64{}, samples: map[string]string{}}
	}
	var (
		issued   atomic.Int64
		okN, bad atomic.Int64
		backoffs atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	httpCount.Store(0) // setup's requests are not the level's
	start := time.Now()
	if lv.Duration > 0 {
		t := time.AfterFunc(lv.Duration, func() { stop.Store(true) })
		defer t.Stop()
	}
	for i, w := range workers {
		wg.Go(func() {
			rec, tr := recs[i], transports[i]
			for !stop.Load() && ctx.Err() == nil {
				if lv.Requests > 0 && issued.Add(1) > lv.Requests {
					return
				}
				tr.retryAfter = 0
				opCtx, cancel := context.WithTimeout(ctx, lv.Timeout)
				t0 := time.Now()
				err := w.Do(opCtx)
				d := time.Since(t0)
				cancel()
				if ctx.Err() != nil || errors.Is(err, errStockOut) {
					return // interrupted, or nothing left to do: not a result
				}
				rec.record(d, err)
				if err == nil {
					okN.Add(1)
				} else {
					bad.Add(1)
				}
				if wait := tr.retryAfter; wait > 0 && !lv.IgnoreRetryAfter {
					if lv.Duration > 0 {
						wait = min(wait, lv.Duration-time.Since(start))
					}
					if wait > 0 && !stop.Load() {
						backoffs.Add(1)
						lv.sleep(ctx, wait)
					}
				}
			}
		})
	}

	done, progressDone := make(chan struct{}), make(chan struct{})
	if progress == nil {
		close(progressDone)
	} else {
		go func() {
			defer close(progressDone)
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			var last int64
			lastT := start
			merged := NewHistogram()
			for {
				select {
				case <-done:
					return
				case now := <-tick.C:
					o, b := okN.Load(), bad.Load()
					merged.Reset()
					for _, r := range recs {
						r.mu.Lock()
						merged.Merge(r.hist)
						r.mu.Unlock()
					}
					progress(Snapshot{Scenario: name, Concurrency: lv.Concurrency, Elapsed: now.Sub(start),
						Duration: lv.Duration, OK: o, Errors: b,
						RecentRPS: float64(o+b-last) / now.Sub(lastT).Seconds(), P99: merged.Percentile(99)})
					last, lastT = o+b, now
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(done)
	<-progressDone

	res := Result{Scenario: name, Concurrency: lv.Concurrency, Elapsed: elapsed,
		Errors: map[string]int64{}, Samples: map[string]string{}, Latency: NewHistogram(),
		HTTPRequests: httpCount.Load(), Backoffs: backoffs.Load()}
	for _, r := range recs {
		res.Latency.Merge(r.hist)
		for k, n := range r.errors {
			res.Errors[k] += n
			if _, ok := res.Samples[k]; !ok {
				res.Samples[k] = r.samples[k]
			}
		}
	}
	res.OK = int64(res.Latency.Count())
	res.Requests = res.OK + bad.Load()
	return res, ctx.Err()
}

// setupParallel bounds how many workers are prepared at once, so that
// preparing 128 workers is not itself a burst of 128 sign-ins (each costing
// Gatehouse an argon2id hash and its memory).
const setupParallel = 8

// setup prepares the workers, one per client, a few at a time; the first
// failure cancels the rest.
func setup(ctx context.Context, sc Scenario, lv Level, clients []*http.Client) ([]Worker, error) {
	ctx, cancel := context.WithTimeout(ctx, lv.SetupTimeout)
	defer cancel()
	workers := make([]Worker, lv.Concurrency)
	errs := make([]error, lv.Concurrency)
	sem := make(chan struct{}, setupParallel)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			workers[i], errs[i] = sc.Setup(ctx, clients[i])
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	ready := workers[:0]
	for _, w := range workers {
		if w != nil {
			ready = append(ready, w)
		}
	}
	for i, err := range errs {
		// The first error that is not a consequence of cancel.
		if err != nil && !errors.Is(err, context.Canceled) {
			return ready, fmt.Errorf("preparing worker %d of %d: %w", i+1, lv.Concurrency, err)
		}
	}
	for _, err := range errs {
		if err != nil {
			return ready, fmt.Errorf("preparing workers: %w", err)
		}
	}
	return ready, nil
}

// maxBackoff bounds a Retry-After wait: a longer one is taken as a
// mistake, not as a reason to stop the load for minutes.
const maxBackoff = 60 * time.Second

// workerTransport is one worker's connection: it counts the requests sent
// and notes the Retry-After of a 503 or 429 answer.
type workerTransport struct {
	conn     ConnTransport
	requests *atomic.Int64
	// retryAfter is the wait the last 503 or 429 of the current operation
	// asked for (0: none). Only the worker's goroutine uses it.
	retryAfter time.Duration
}

func (t *workerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	resp, err := t.conn.RoundTrip(r)
	if err == nil && (resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			t.retryAfter = d
		}
	}
	return resp, err
}

// parseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3): a number
// of seconds or an HTTP-date, as a wait from now of at most maxBackoff.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		return time.Duration(min(secs, uint64(maxBackoff/time.Second))) * time.Second, true
	} else if errors.Is(err, strconv.ErrRange) {
		return maxBackoff, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxBackoff), true
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// ProgressLine renders a snapshot for a terminal.
func ProgressLine(s Snapshot) string {
	if s.Preparing {
		return fmt.Sprintf("%s c=%d  preparing %d workers…", s.Scenario, s.Concurrency, s.Concurrency)
	}
	bound := ""
	if s.Duration > 0 {
		bound = "/" + s.Duration.Round(time.Second).String()
	}
	return fmt.Sprintf("%s c=%d  %s%s  %d ok  %d errors  %.0f req/s  p99 %s",
		s.Scenario, s.Concurrency, s.Elapsed.Round(100*time.Millisecond), bound, s.OK, s.Errors, s.RecentRPS, fmtDur(s.P99))
}

// TerminalProgress writes progress lines to w, each over the last when
// tty is true (clear them with ClearProgress), one per line otherwise.
func TerminalProgress(w io.Writer, tty bool) Progress {
	return func(s Snapshot) {
		if tty {
			fmt.Fprintf(w, "\r\x1b[K%s", ProgressLine(s))
		} else {
			fmt.Fprintln(w, ProgressLine(s))
		}
	}
}

// ClearProgress erases a terminal progress line.
func ClearProgress(w io.Writer) { fmt.Fprint(w, "\r\x1b[K") }

// printable keeps a server-supplied message from moving the terminal's
// cursor or flooding the report.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}
