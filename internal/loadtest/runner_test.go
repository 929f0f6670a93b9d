package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fake is a scenario whose operations take no time; every failEvery-th
// operation of a worker fails with a 503.
type fake struct {
	failEvery  int
	setupErr   error
	setups     atomic.Int64
	released   atomic.Int64
	mu         sync.Mutex
	clients    map[*http.Client]bool
	block      chan struct{} // when set, operations wait on it or on their context
	inFlight   atomic.Int64
	blockedNow chan struct{}
}

type fakeWorker struct {
	s *fake
	n int
}

func (s *fake) Setup(ctx context.Context, hc *http.Client) (Worker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clients == nil {
		s.clients = map[*http.Client]bool{}
	}
	if s.clients[hc] || hc.Jar == nil {
		return nil, errors.New("workers must not share a client or go without a cookie jar")
	}
	s.clients[hc] = true
	if s.setups.Add(1) == 3 && s.setupErr != nil {
		return nil, s.setupErr
	}
	return &fakeWorker{s: s}, nil
}

func (w *fakeWorker) Do(ctx context.Context) error {
	w.n++
	if w.s.block != nil {
		if w.s.inFlight.Add(1) == 1 {
			close(w.s.blockedNow)
		}
		select {
		case <-w.s.block:
		case <-ctx.Done():
			return &Failure{Step: "token", Err: ctx.Err()}
		}
	}
	if w.s.failEvery > 0 && w.n%w.s.failEvery == 0 {
		return httpFailure("token", 503, []byte(`{"error":"temporarily_unavailable"}`))
	}
	return nil
}

func (w *fakeWorker) Release() { w.s.released.Add(1) }

func TestRunRequestBound(t *testing.T) {
	s := &fake{failEvery: 4}
	r, err := Run(context.Background(), "fake", s, Level{Concurrency: 4, Requests: 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 1000 || r.OK+r.ErrorCount() != 1000 || r.Latency.Count() != uint64(r.OK) {
		t.Fatalf("requests %d ok %d errors %d latencies %d", r.Requests, r.OK, r.ErrorCount(), r.Latency.Count())
	}
	if r.ErrorCount() == 0 || r.Errors["token 503 temporarily_unavailable"] != r.ErrorCount() || len(r.Errors) != 1 {
		t.Fatalf("errors %v", r.Errors)
	}
	if !strings.Contains(r.Samples["token 503 temporarily_unavailable"], "HTTP 503") {
		t.Errorf("sample %q", r.Samples["token 503 temporarily_unavailable"])
	}
	if s.setups.Load() != 4 || s.released.Load() != 4 {
		t.Errorf("%d setups, %d releases; want 4 and 4", s.setups.Load(), s.released.Load())
	}
	if r.Concurrency != 4 || r.Scenario != "fake" || r.Elapsed <= 0 {
		t.Errorf("result %+v", r)
	}
}

func TestRunDurationBound(t *testing.T) {
	r, err := Run(context.Background(), "fake", &fake{}, Level{Concurrency: 2, Duration: 50 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.ErrorCount() != 0 {
		t.Fatalf("requests %d errors %v", r.Requests, r.Errors)
	}
}

func TestRunSetupFailure(t *testing.T) {
	s := &fake{setupErr: errors.New("no token for you")}
	_, err := Run(context.Background(), "fake", s, Level{Concurrency: 5, Requests: 10}, nil)
	if err == nil || !strings.Contains(err.Error(), "no token for you") {
		t.Fatalf("err = %v", err)
	}
	if s.released.Load() != s.setups.Load()-1 {
		t.Errorf("%d workers were prepared but %d released", s.setups.Load()-1, s.released.Load())
	}
}

func TestRunBadLevels(t *testing.T) {
	for _, lv := range []Level{{Concurrency: 0, Requests: 1}, {Concurrency: 1}} {
		if _, err := Run(context.Background(), "fake", &fake{}, lv, nil); err == nil {
			t.Errorf("level %+v was accepted", lv)
		}
	}
}

// Interrupting a run abandons the operations in flight without counting
// them, and reports what was done with the context's error.
func TestRunInterrupted(t *testing.T) {
	s := &fake{block: make(chan struct{}), blockedNow: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-s.blockedNow
		cancel()
	}()
	r, err := Run(ctx, "fake", s, Level{Concurrency: 3, Duration: time.Minute}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if r.Requests != 0 || len(r.Errors) != 0 {
		t.Fatalf("interrupted operations were counted: %d, %v", r.Requests, r.Errors)
	}
}

func TestSweepAndReports(t *testing.T) {
	var rows bytes.Buffer
	WriteTableHeader(&rows)
	results, err := Sweep(context.Background(), "fake", &fake{failEvery: 10}, []int{1, 2, 4},
		Level{Requests: 200}, nil, func(r Result) { WriteTableRow(&rows, r) })
	if err != nil || len(results) != 3 {
		t.Fatalf("%d results, %v", len(results), err)
	}
	for i, c := range []int{1, 2, 4} {
		if results[i].Concurrency != c || results[i].Requests != 200 {
			t.Errorf("level %d: %+v", i, results[i])
		}
	}
	table := rows.String()
	if strings.Count(table, "\nfake ") != 3 || !strings.Contains(table, "× token 503 temporarily_unavailable") {
		t.Errorf("table:\n%s", table)
	}

	var lines bytes.Buffer
	for _, r := range results {
		if err := WriteJSONLine(&lines, "http://issuer", r); err != nil {
			t.Fatal(err)
		}
	}
	for i, line := range strings.Split(strings.TrimSpace(lines.String()), "\n") {
		var j JSONResult
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i, err, line)
		}
		if j.Requests != 200 || j.OK+j.Errors != 200 || j.ErrorsByKind["token 503 temporarily_unavailable"] != j.Errors ||
			j.Issuer != "http://issuer" || j.Concurrency != results[i].Concurrency {
			t.Errorf("line %d: %+v", i, j)
		}
	}

	var svg bytes.Buffer
	if err := WriteSVG(&svg, `fake & "friends" <3`, results); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg.Bytes(), 2, 6)
	svg.Reset()
	if err := WriteSVG(&svg, "one level", results[:1]); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg.Bytes(), 2, 2)
}

// checkSVG parses the chart as XML and counts its series and points.
func checkSVG(t *testing.T, b []byte, wantLines, wantPoints int) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	lines, points := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, b)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "polyline":
				lines++
			case "circle":
				points++
			}
		}
	}
	if lines != wantLines || points != wantPoints {
		t.Errorf("%d series and %d points, want %d and %d", lines, points, wantLines, wantPoints)
	}
}

func TestNiceScale(t *testing.T) {
	cases := []struct{ v, top, step float64 }{
		{0, 1, 0.2}, {1, 1, 0.2}, {7, 8, 2}, {12.5, 15, 5}, {999, 1000, 200}, {4100, 5000, 1000}, {0.37, 0.4, 0.1},
	}
	for _, tc := range cases {
		top, step := niceScale(tc.v)
		if !near(top, tc.top) || !near(step, tc.step) {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tc.v, top, step, tc.top, tc.step)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestFmtDur(t *testing.T) {
	cases := map[time.Duration]string{0: "-", 850 * time.Microsecond: "850µs", 4270 * time.Microsecond: "4.27ms",
		31500 * time.Microsecond: "31.5ms", 1200 * time.Millisecond: "1.20s"}
	for d, want := range cases {
		if got := fmtDur(d); got != want {
			t.Errorf("fmtDur(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestProgressLines(t *testing.T) {
	var calls []Snapshot
	_, err := Run(context.Background(), "fake", &fake{}, Level{Concurrency: 2, Requests: 10}, func(s Snapshot) { calls = append(calls, s) })
	if err != nil || len(calls) == 0 || !calls[0].Preparing {
		t.Fatalf("progress calls %+v, %v", calls, err)
	}
	if got := ProgressLine(calls[0]); got != "fake c=2  preparing 2 workers…" {
		t.Errorf("preparing line %q", got)
	}
	line := ProgressLine(Snapshot{Scenario: "jwks", Concurrency: 8, Elapsed: 2 * time.Second, Duration: 10 * time.Second,
		OK: 1234, Errors: 5, RecentRPS: 617.4, P99: 3500 * time.Microsecond})
	if line != "jwks c=8  2s/10s  1234 ok  5 errors  617 req/s  p99 3.50ms" {
		t.Errorf("line %q", line)
	}
	var tty, plain bytes.Buffer
	TerminalProgress(&tty, true)(calls[0])
	TerminalProgress(&plain, false)(calls[0])
	if !strings.HasPrefix(tty.String(), "\r\x1b[K") || strings.HasSuffix(tty.String(), "\n") || !strings.HasSuffix(plain.String(), "…\n") {
		t.Errorf("tty %q, plain %q", tty.String(), plain.String())
	}
}

// stockScenario's workers can do three operations each, like the
// code-exchange scenario's workers with their minted codes.
type stockScenario struct{ levels atomic.Int64 }

func (s *stockScenario) Setup(context.Context, *http.Client) (Worker, error) {
	return nil, errors.New("Setup without forLevel")
}

func (s *stockScenario) forLevel(Level) Scenario {
	s.levels.Add(1)
	return setupFunc(func(context.Context, *http.Client) (Worker, error) { return &stockWorker{left: 3}, nil })
}

type stockWorker struct{ left int }

func (w *stockWorker) Do(context.Context) error {
	if w.left == 0 {
		return errStockOut
	}
	w.left--
	return nil
}

// Workers that run out of prepared operations stop without an error, and
// the level ends when the last one stops, well before its duration.
func TestRunStopsWorkersOutOfStock(t *testing.T) {
	s := &stockScenario{}
	r, err := Run(context.Background(), "stock", s, Level{Concurrency: 2, Duration: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK != 6 || r.ErrorCount() != 0 || r.Requests != 6 || r.Elapsed > 10*time.Second || s.levels.Load() != 1 {
		t.Fatalf("ok %d errors %v requests %d elapsed %v levels %d", r.OK, r.Errors, r.Requests, r.Elapsed, s.levels.Load())
	}
}

func TestCodesPerWorker(t *testing.T) {
	tests := []struct {
		lv   Level
		want int
	}{
		{Level{Concurrency: 1, Duration: 4 * time.Second}, 4 * codesPerSecond},
		{Level{Concurrency: 256, Duration: 4 * time.Second}, (4*codesPerSecond + 255) / 256},
		{Level{Concurrency: 3, Requests: 10}, 4},
		{Level{Concurrency: 8, Requests: 10, Duration: time.Hour}, 2},
		{Level{Concurrency: 4, Requests: 1}, 1},
	}
	for _, tc := range tests {
		if got := codesPerWorker(tc.lv); got != tc.want {
			t.Errorf("codesPerWorker(%+v) = %d, want %d", tc.lv, got, tc.want)
		}
	}
}
