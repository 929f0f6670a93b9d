package loadtest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sweep runs the scenario at each concurrency level in turn, with the same
// bounds, calling each after every level. It stops at the first level that
// cannot be run or when ctx ends (each then still gets that level's
// partial result, when there is one).
func Sweep(ctx context.Context, name string, sc Scenario, levels []int, lv Level, progress Progress, each func(Result)) ([]Result, error) {
	var out []Result
	for _, c := range levels {
		lv.Concurrency = c
		r, err := Run(ctx, name, sc, lv, progress)
		if r.Latency != nil {
			out = append(out, r)
			each(r)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// fmtDur renders a latency compactly: 850µs, 4.27ms, 31.5ms, 1.20s.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

const tableFormat = "%-20s %5s %9s %7s %10s %9s %9s %9s %9s\n"

// WriteTableHeader writes the result table's header.
func WriteTableHeader(w io.Writer) {
	fmt.Fprintf(w, tableFormat, "scenario", "conc", "requests", "errors", "req/s", "p50", "p90", "p99", "max")
}

// WriteTableRow writes one level's row, and under it one line per kind of
// error, most frequent first, with the first message of that kind.
func WriteTableRow(w io.Writer, r Result) {
	fmt.Fprintf(w, tableFormat, r.Scenario, strconv.Itoa(r.Concurrency), strconv.FormatInt(r.Requests, 10),
		strconv.FormatInt(r.ErrorCount(), 10), fmt.Sprintf("%.1f", r.RPS()),
		fmtDur(r.Latency.Percentile(50)), fmtDur(r.Latency.Percentile(90)), fmtDur(r.Latency.Percentile(99)),
		fmtDur(r.Latency.Max()))
	for _, k := range errorKinds(r.Errors) {
		fmt.Fprintf(w, "    %7d × %s  (first: %s)\n", r.Errors[k], k, r.Samples[k])
	}
	if r.Backoffs > 0 {
		fmt.Fprintf(w, "    %7d × backoff: a worker waited as Retry-After asked before its next operation\n", r.Backoffs)
	}
}

// errorKinds orders kinds by count, then name.
func errorKinds(m map[string]int64) []string {
	kinds := make([]string, 0, len(m))
	for k := range m {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return kinds
}

// JSONResult is one level as a JSON line. Durations are milliseconds;
// latencies are of successful operations.
type JSONResult struct {
	Scenario     string           `json:"scenario"`
	Issuer       string           `json:"issuer,omitempty"`
	Concurrency  int              `json:"concurrency"`
	Seconds      float64          `json:"seconds"`
	Requests     int64            `json:"requests"`
	OK           int64            `json:"ok"`
	Errors       int64            `json:"errors"`
	ErrorsByKind map[string]int64 `json:"errors_by_kind"`
	HTTPRequests int64            `json:"http_requests"`
	RPS          float64          `json:"rps"`
	P50          float64          `json:"p50_ms"`
	P90          float64          `json:"p90_ms"`
	P99          float64          `json:"p99_ms"`
	Max          float64          `json:"max_ms"`
	Mean         float64          `json:"mean_ms"`
	// Backoffs counts the waits workers made as a 503 or 429's
	// Retry-After asked (see Result.Backoffs).
	Backoffs int64 `json:"backoffs"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// JSON converts a result for WriteJSONLine.
func (r Result) JSON(issuer string) JSONResult {
	return JSONResult{
		Scenario: r.Scenario, Issuer: issuer, Concurrency: r.Concurrency,
		Seconds: math.Round(r.Elapsed.Seconds()*1e3) / 1e3, Requests: r.Requests, OK: r.OK,
		Errors: r.ErrorCount(), ErrorsByKind: r.Errors, HTTPRequests: r.HTTPRequests, Backoffs: r.Backoffs,
		RPS: math.Round(r.RPS()*10) / 10,
		P50: ms(r.Latency.Percentile(50)), P90: ms(r.Latency.Percentile(90)), P99: ms(r.Latency.Percentile(99)),
		Max: ms(r.Latency.Max()), Mean: ms(r.Latency.Mean()),
	}
}

// WriteJSONLine writes one result as a line of JSON.
func WriteJSONLine(w io.Writer, issuer string, r Result) error {
	b, err := json.Marshal(r.JSON(issuer))
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteSVG draws throughput (req/s, left axis) and p99 latency (ms, right
// axis) against concurrency, one point per level, levels evenly spaced.
func WriteSVG(w io.Writer, title string, results []Result) error {
	const (
		width, height            = 760, 420
		left, right, top, bottom = 80, 80, 56, 64
		plotW, plotH             = width - left - right, height - top - bottom
	)
	var maxRPS, maxP99 float64
	for _, r := range results {
		maxRPS = max(maxRPS, r.RPS())
		maxP99 = max(maxP99, ms(r.Latency.Percentile(99)))
	}
	rpsTop, rpsStep := niceScale(maxRPS)
	p99Top, p99Step := niceScale(maxP99)
	x := func(i int) float64 {
		if len(results) == 1 {
			return left + plotW/2
		}
		return left + float64(i)*plotW/float64(len(results)-1)
	}
	yRPS := func(v float64) float64 { return top + plotH - v/rpsTop*plotH }
	yP99 := func(v float64) float64 { return top + plotH - v/p99Top*plotH }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", left, xmlEscape(title))
	// Grid and the two y axes.
	for i := 0; float64(i)*rpsStep <= rpsTop+rpsStep/2; i++ {
		v := float64(i) * rpsStep
		y := yRPS(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/>`+"\n", left, y, width-right, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#1f5fa8">%s</text>`+"\n", left-8, y+4, tick(v))
	}
	for i := 0; float64(i)*p99Step <= p99Top+p99Step/2; i++ {
		v := float64(i) * p99Step
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" fill="#c0392b">%s</text>`+"\n", width-right+8, yP99(v)+4, tick(v))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", left, top, plotW, plotH)
	fmt.Fprintf(&b, `<text transform="translate(20 %d) rotate(-90)" text-anchor="middle" fill="#1f5fa8">throughput (req/s)</text>`+"\n", top+plotH/2)
	fmt.Fprintf(&b, `<text transform="translate(%d %d) rotate(90)" text-anchor="middle" fill="#c0392b">p99 latency (ms)</text>`+"\n", width-20, top+plotH/2)
	for i, r := range results {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", x(i), top+plotH+18, r.Concurrency)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">concurrency</text>`+"\n", left+plotW/2, height-16)
	// The two series.
	series := func(color, dash string, y func(Result) float64) {
		pts := make([]string, len(results))
		for i, r := range results {
			pts[i] = fmt.Sprintf("%.1f,%.1f", x(i), y(r))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", color, dash, strings.Join(pts, " "))
		for i, r := range results {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`+"\n", x(i), y(r), color)
		}
	}
	series("#1f5fa8", "", func(r Result) float64 { return yRPS(r.RPS()) })
	series("#c0392b", ` stroke-dasharray="6 4"`, func(r Result) float64 { return yP99(ms(r.Latency.Percentile(99))) })
	// Legend.
	lx := width - right - 230
	fmt.Fprintf(&b, `<line x1="%d" y1="40" x2="%d" y2="40" stroke="#1f5fa8" stroke-width="2"/><text x="%d" y="44">throughput</text>`+"\n", lx, lx+24, lx+30)
	fmt.Fprintf(&b, `<line x1="%d" y1="40" x2="%d" y2="40" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4"/><text x="%d" y="44">p99 latency</text>`+"\n", lx+110, lx+134, lx+140)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// niceScale returns an axis top ≥ v and a step of 1, 2 or 5 × 10^k that
// divides it into at most 5 parts.
func niceScale(v float64) (top, step float64) {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1, 0.2
	}
	raw := v / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	return math.Ceil(v/step) * step, step
}

func tick(v float64) string { return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64) }

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
