package loadtest

import (
	"math"
	"math/bits"
	"time"
)

// Histogram records durations in log-linear buckets, as HdrHistogram does:
// values below 2^subBits nanoseconds are kept exactly, and every larger
// power-of-two range is split into 2^subBits equal buckets, so a reported
// percentile is within 1/2^subBits (under 1%) of the true sample. Its size
// is fixed (about 35 KB) whatever the number of samples. The minimum,
// maximum and sum are exact. The zero value is not ready: use
// NewHistogram. A Histogram is not safe for concurrent use.
type Histogram struct {
	counts   []uint64
	n        uint64
	min, max time.Duration
	sum      float64 // nanoseconds; float so that it cannot overflow
}

const (
	subBits = 7  // 128 buckets per power of two: relative error < 0.8%
	topBits = 40 // 2^40 ns ≈ 18 minutes; longer values land in the last bucket
	nBucket = (topBits-subBits)<<subBits + 1<<subBits
)

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{counts: make([]uint64, nBucket)} }

// bucketOf returns the index of the bucket holding v nanoseconds.
func bucketOf(v uint64) int {
	if v < 1<<(subBits+1) {
		return int(v)
	}
	if v >= 1<<topBits {
		return nBucket - 1
	}
	shift := bits.Len64(v) - subBits - 1 // ≥ 1
	return shift<<subBits + int(v>>shift)
}

// bucketBounds returns the smallest and largest value of bucket i.
func bucketBounds(i int) (lo, hi uint64) {
	if i < 1<<(subBits+1) {
		return uint64(i), uint64(i)
	}
	shift := i>>subBits - 1
	m := uint64(i - shift<<subBits) // in [2^subBits, 2^(subBits+1))
	return m << shift, (m+1)<<shift - 1
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += float64(d)
}

// Merge adds every sample of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Reset empties h.
func (h *Histogram) Reset() {
	clear(h.counts)
	h.n, h.min, h.max, h.sum = 0, 0, 0, 0
}

// Count is the number of samples.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest sample (exact), 0 when empty.
func (h *Histogram) Max() time.Duration { return h.max }

// Min is the smallest sample (exact), 0 when empty.
func (h *Histogram) Min() time.Duration { return h.min }

// Mean is the average sample, 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(math.Round(h.sum / float64(h.n)))
}

// Percentile returns the smallest recorded value v such that at least p
// percent of the samples are ≤ v (nearest rank), to the histogram's
// precision: the answer is the upper end of v's bucket, never above the
// maximum nor below the minimum. p is clamped to [0, 100]; 0 when empty.
func (h *Histogram) Percentile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	p = max(0, min(100, p))
	rank := uint64(math.Ceil(p / 100 * float64(h.n)))
	rank = max(1, rank)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bucketBounds(i)
			return max(h.min, min(h.max, time.Duration(hi)))
		}
	}
	return h.max
}
