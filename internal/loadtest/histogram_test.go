package loadtest

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// nearestRank is the reference percentile over sorted samples.
func nearestRank(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(1, rank)-1]
}

func TestBucketsTileTheRange(t *testing.T) {
	prevHi := int64(-1)
	for i := range nBucket {
		lo, hi := bucketBounds(i)
		if int64(lo) != prevHi+1 || hi < lo {
			t.Fatalf("bucket %d is [%d, %d], after one ending at %d", i, lo, hi, prevHi)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d: bucketOf(%d)=%d, bucketOf(%d)=%d", i, lo, bucketOf(lo), hi, bucketOf(hi))
		}
		if lo >= 1<<(subBits+1) && float64(hi-lo+1)/float64(lo) > 1.0/(1<<subBits)+1e-12 {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/%d of its values", i, lo, hi, 1<<subBits)
		}
		prevHi = int64(hi)
	}
	if prevHi != 1<<topBits-1 {
		t.Fatalf("the last bucket ends at %d, want 2^%d-1", prevHi, topBits)
	}
	if bucketOf(math.MaxUint64) != nBucket-1 {
		t.Fatal("huge values must land in the last bucket")
	}
}

func TestPercentiles(t *testing.T) {
	cases := []struct {
		name    string
		samples func(r *rand.Rand) []time.Duration
	}{
		{"one sample", func(*rand.Rand) []time.Duration { return []time.Duration{3 * time.Millisecond} }},
		{"small values are exact", func(*rand.Rand) []time.Duration {
			var s []time.Duration
			for v := range 200 {
				s = append(s, time.Duration(v))
			}
			return s
		}},
		{"uniform 1..1000 ms", func(*rand.Rand) []time.Duration {
			var s []time.Duration
			for v := 1; v <= 1000; v++ {
				s = append(s, time.Duration(v)*time.Millisecond)
			}
			return s
		}},
		{"log-uniform 10µs..10s", func(r *rand.Rand) []time.Duration {
			s := make([]time.Duration, 20000)
			for i := range s {
				s[i] = time.Duration(math.Exp(math.Log(1e4) + r.Float64()*(math.Log(1e10)-math.Log(1e4))))
			}
			return s
		}},
		{"bimodal with a long tail", func(r *rand.Rand) []time.Duration {
			s := make([]time.Duration, 5000)
			for i := range s {
				s[i] = time.Duration(r.IntN(2000)) * time.Microsecond
				if i%100 == 0 {
					s[i] = time.Duration(1+r.IntN(5)) * time.Second
				}
			}
			return s
		}},
		{"all equal", func(*rand.Rand) []time.Duration { return slices.Repeat([]time.Duration{1234567}, 1000) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			samples := tc.samples(rand.New(rand.NewPCG(1, 2)))
			h := NewHistogram()
			for _, s := range samples {
				h.Record(s)
			}
			sorted := slices.Sorted(slices.Values(samples))
			if h.Count() != uint64(len(samples)) || h.Min() != sorted[0] || h.Max() != sorted[len(sorted)-1] {
				t.Fatalf("count %d min %v max %v, want %d %v %v", h.Count(), h.Min(), h.Max(), len(samples), sorted[0], sorted[len(sorted)-1])
			}
			for _, p := range []float64{0, 1, 50, 90, 99, 99.9, 100} {
				got, want := h.Percentile(p), nearestRank(sorted, p)
				if got < want || float64(got-want) > float64(want)/(1<<subBits) {
					t.Errorf("p%v = %v, want %v (within +1/%d)", p, got, want, 1<<subBits)
				}
			}
			var sum float64
			for _, s := range samples {
				sum += float64(s)
			}
			if want := time.Duration(math.Round(sum / float64(len(samples)))); h.Mean() != want {
				t.Errorf("mean %v, want %v", h.Mean(), want)
			}
		})
	}
}

func TestHistogramEmptyMergeReset(t *testing.T) {
	h := NewHistogram()
	if h.Percentile(99) != 0 || h.Max() != 0 || h.Mean() != 0 || h.Count() != 0 {
		t.Fatal("an empty histogram reports zeros")
	}
	h.Record(-time.Second) // counted as zero
	if h.Count() != 1 || h.Max() != 0 {
		t.Fatalf("negative sample: count %d max %v", h.Count(), h.Max())
	}

	// Merging per-worker histograms equals recording into one.
	r := rand.New(rand.NewPCG(3, 4))
	all, parts := NewHistogram(), []*Histogram{NewHistogram(), NewHistogram(), NewHistogram()}
	for i := range 3000 {
		d := time.Duration(r.Int64N(int64(2 * time.Second)))
		all.Record(d)
		parts[i%3].Record(d)
	}
	merged := NewHistogram()
	merged.Merge(NewHistogram()) // merging nothing changes nothing
	for _, p := range parts {
		merged.Merge(p)
	}
	if !slices.Equal(merged.counts, all.counts) || merged.Count() != all.Count() || merged.Min() != all.Min() ||
		merged.Max() != all.Max() || merged.Mean() != all.Mean() {
		t.Fatal("merged histogram differs from the one that saw every sample")
	}
	merged.Reset()
	if merged.Count() != 0 || merged.Percentile(50) != 0 || slices.ContainsFunc(merged.counts, func(c uint64) bool { return c != 0 }) {
		t.Fatal("Reset left samples behind")
	}
}
