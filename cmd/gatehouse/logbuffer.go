package main

import (
	"io"
	"sync"
	"time"
)

// Log output is buffered: the access log writes a line per request, and a
// write system call per line cost a busy server about a tenth of its CPU
// on its cheapest endpoints. Lines reach the output at most
// logFlushInterval late, at once when logBufferSize fills, and all of
// them when the server stops.
const (
	logBufferSize    = 32 << 10
	logFlushInterval = 100 * time.Millisecond
)

// bufferedLog is an io.Writer for log lines that gathers them and writes
// them in batches. Each Write is kept whole, so lines never interleave.
type bufferedLog struct {
	mu     sync.Mutex
	out    io.Writer
	buf    []byte
	timer  *time.Timer // armed while buf holds lines
	closed bool
}

func newBufferedLog(out io.Writer) *bufferedLog {
	return &bufferedLog{out: out, buf: make([]byte, 0, logBufferSize)}
}

func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.out.Write(p)
	}
	if len(b.buf)+len(p) > logBufferSize {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > logBufferSize {
			return b.out.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	if b.timer == nil {
		b.timer = time.AfterFunc(logFlushInterval, b.flushFromTimer)
	}
	return len(p), nil
}

func (b *bufferedLog) flushFromTimer() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked() //nolint:errcheck // nowhere to report a failing log output
}

func (b *bufferedLog) flushLocked() error {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.out.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// Close writes what is buffered; later writes go straight to the output.
func (b *bufferedLog) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return b.flushLocked()
}
